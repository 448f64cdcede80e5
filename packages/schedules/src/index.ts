export { parseCron, matchesDay, type CronSchedule } from './cron.ts';
export { checkTimeZone, offsetAt, wallClockAt } from './time-zone.ts';
export { zonedCron, nextFiring, nextFirings, firingsBetween, type ZonedCron } from './firing.ts';
export { InvalidCronExpression, InvalidTimeZone } from './errors.ts';
export {
  planFiring,
  fireDueSchedules,
  fireSchedule,
  triggerSchedule,
  firingSettingsFrom,
  type FiringDependencies,
  type FiringSettings,
  type FiringPlan,
  type FiringPassSummary,
  type FiredSlot,
  type SlotKind,
} from './engine.ts';
export {
  createSchedule,
  findSchedule,
  findScheduleOfRun,
  listCommandSchedules,
  updateSchedule,
  deleteSchedule,
  upcomingFirings,
  slotHistory,
  commandOf,
  type ScheduleScope,
  type NewSchedule,
  type SchedulePatch,
  type StoredSchedule,
  type RunMode,
} from './store.ts';
export {
  listScheduledRuns,
  findScheduledRun,
  markRunRead,
  rerunScheduledRun,
  scheduleRunsPage,
  commandNameOf,
  type ScheduledRun,
  type ScheduledRunFilter,
  type RunPage,
  type RunPageRequest,
} from './scheduled-runs.ts';
