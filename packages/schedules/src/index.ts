export { parseCron, matchesDay, type CronSchedule } from './cron.ts';
export { checkTimeZone, offsetAt, wallClockAt } from './time-zone.ts';
export { zonedCron, nextFiring, nextFirings, firingsBetween, type ZonedCron } from './firing.ts';
export { InvalidCronExpression, InvalidTimeZone } from './errors.ts';
