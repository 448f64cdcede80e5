import { matchesDay, parseCron, type CronSchedule } from './cron.ts';
import { checkTimeZone, offsetAt } from '@reportrun/reports';

/**
 * When a schedule fires: its cron fields read on the wall clock of its time zone, with Vixie
 * cron's rules for the days the clock changes.
 *
 * - A fixed time (no `*` or step in its second, minute and hour fields) that does not exist
 *   that day fires once, at the first instant after the gap (`30 2 * * *` in New York on
 *   2026-03-08 fires at 03:00 EDT, 07:00Z); one that happens twice fires once, at its first
 *   occurrence (`30 1 * * *` on 2026-11-01 fires at 05:30Z only).
 * - A wildcard or step schedule follows the clock: it fires at every real instant whose wall
 *   time matches, so `0 * * * *` fires 23 times on the short day and 25 on the long one, and
 *   skips wall times that do not exist.
 *
 * Everything here is pure (the tz database is the platform's), so the rules are tested over
 * many instants without a clock; the engine only stores what these functions answer.
 */

const dayMs = 86_400_000;
/** Leap days come at least every eight years; a schedule with no firing in nine never fires. */
const horizonMs = 9 * 366 * dayMs;

export interface ZonedCron {
  cron: CronSchedule;
  timeZone: string;
}

/** Parses and checks both halves of a schedule's timing; throws naming the field at fault. */
export function zonedCron(cronExpression: string, timeZone: string): ZonedCron {
  return { cron: parseCron(cronExpression), timeZone: checkTimeZone(timeZone) };
}

/** The first firing strictly after `after`, or null if there is none within nine years. */
export function nextFiring({ cron, timeZone }: ZonedCron, after: Date): Date | null {
  const afterMs = after.getTime();
  let best = Infinity;
  // The earliest wall time whose instant can lie after `afterMs` is afterMs + the smallest offset
  // the zone has around then.
  const [lowest] = offsetsAround(timeZone, afterMs);
  let wall = Math.floor((afterMs + lowest) / 1000) * 1000;
  const limit = wall + horizonMs;
  for (;;) {
    const next = nextWallMatch(cron, wall, limit);
    if (next === null) break;
    const [, highest] = offsetsAround(timeZone, next);
    // Later wall times map to instants of at least wall - highest offset: nothing better follows.
    if (next - highest > best) break;
    for (const instant of instantsOf(cron, timeZone, next)) {
      if (instant > afterMs && instant < best) best = instant;
    }
    wall = next + 1000;
  }
  return best === Infinity ? null : new Date(best);
}

/** The next `count` firings after `after`, in order (fewer if the schedule stops firing). */
export function nextFirings(schedule: ZonedCron, after: Date, count: number): Date[] {
  const firings: Date[] = [];
  let cursor = after;
  while (firings.length < count) {
    const next = nextFiring(schedule, cursor);
    if (!next) break;
    firings.push(next);
    cursor = next;
  }
  return firings;
}

/** Every firing in (from, to], in order; at most `max`. */
export function firingsBetween(schedule: ZonedCron, from: Date, to: Date, max = Infinity): Date[] {
  const firings: Date[] = [];
  let cursor = from;
  while (firings.length < max) {
    const next = nextFiring(schedule, cursor);
    if (!next || next.getTime() > to.getTime()) break;
    firings.push(next);
    cursor = next;
  }
  return firings;
}

/** The smallest and largest offsets the zone has within a day either side of `ms`. */
function offsetsAround(timeZone: string, ms: number): [number, number] {
  const before = offsetAt(timeZone, ms - dayMs);
  const after = offsetAt(timeZone, ms + dayMs);
  return [Math.min(before, after), Math.max(before, after)];
}

/**
 * The instants at which a matching wall time fires: none, one or two for a wildcard schedule
 * (as the clock shows it none, once or twice); exactly one for a fixed time. Assumes at most one
 * offset change within a day of it, which holds for every zone today.
 */
function instantsOf(cron: CronSchedule, timeZone: string, wall: number): number[] {
  const [lowest, highest] = offsetsAround(timeZone, wall);
  const real = [...new Set([highest, lowest])]
    .map((offset) => ({ instant: wall - offset, offset }))
    .filter(({ instant, offset }) => offsetAt(timeZone, instant) === offset)
    .map(({ instant }) => instant)
    .sort((a, b) => a - b);
  if (real.length > 0) return cron.fixedTime ? [real[0]!] : real;
  // A gap: the wall time was skipped when the clock jumped forward.
  return cron.fixedTime ? [gapEnd(timeZone, wall - highest, wall - lowest)] : [];
}

/** The first instant (whole second) in (from, to] whose offset differs from `from`'s. */
function gapEnd(timeZone: string, from: number, to: number): number {
  const before = offsetAt(timeZone, from);
  let low = from;
  let high = to;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2000) * 1000;
    if (offsetAt(timeZone, middle) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** The first wall time at or after `from` (whole seconds) whose fields match, up to `limit`. */
function nextWallMatch(cron: CronSchedule, from: number, limit: number): number | null {
  let t = Math.ceil(from / 1000) * 1000;
  while (t <= limit) {
    const d = new Date(t);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth();
    const day = d.getUTCDate();
    const hour = d.getUTCHours();
    const minute = d.getUTCMinutes();
    if (!cron.months[month + 1]) t = Date.UTC(year, month + 1, 1);
    else if (!matchesDay(cron, month + 1, day, d.getUTCDay())) t = Date.UTC(year, month, day + 1);
    else if (!cron.hours[hour]) t = Date.UTC(year, month, day, hour + 1);
    else if (!cron.minutes[minute]) t = Date.UTC(year, month, day, hour, minute + 1);
    else if (!cron.seconds[d.getUTCSeconds()]) t += 1000;
    else return t;
  }
  return null;
}
