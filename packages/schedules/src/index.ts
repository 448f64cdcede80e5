export { parseCron, matchesDay, type CronSchedule } from './cron.ts';
// Zones are validated and computed by @reportrun/reports, which owns them for reports and schedules alike.
export { checkTimeZone, offsetAt, wallClockAt, InvalidTimeZone } from '@reportrun/reports';
export { zonedCron, nextFiring, nextFirings, firingsBetween, type ZonedCron } from './firing.ts';
export { InvalidCronExpression } from './errors.ts';
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
  scheduledRunsByIds,
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
