/**
 * Time buckets computed independently of Postgres: wall-clock parts and offsets come from Intl
 * (ICU's time zone data), calendar arithmetic from plain UTC dates. Used to check the SQL
 * compiler's date_trunc-in-a-zone against something that shares none of its code.
 */

import { localRfc3339, offsetMinutes as offsetAt, wallClock as wallClockAt } from '@reportrun/testing';

export type Grain = 'hour' | 'day' | 'week' | 'month';

/** The instant a wall-clock time names in the zone (midnights here, never ambiguous in the zones tested). */
const wallClock = (instantMs: number, timeZone: string) => wallClockAt(new Date(instantMs), timeZone);
const offsetMinutes = (instantMs: number, timeZone: string) => offsetAt(new Date(instantMs), timeZone);

function instantOf(year: number, month: number, day: number, timeZone: string): number {
  const guess = Date.UTC(year, month - 1, day);
  const first = guess - offsetMinutes(guess, timeZone) * 60_000;
  return guess - offsetMinutes(first, timeZone) * 60_000;
}

/** The start of the bucket holding the instant, as an instant. */
export function bucketStart(instantMs: number, grain: Grain, timeZone: string): number {
  if (grain === 'hour') {
    // The zones tested have whole-hour offsets, so local hours are UTC hours.
    return instantMs - (instantMs % 3_600_000);
  }
  const wall = wallClock(instantMs, timeZone);
  if (grain === 'month') return instantOf(wall.year, wall.month, 1, timeZone);
  if (grain === 'day') return instantOf(wall.year, wall.month, wall.day, timeZone);
  const date = new Date(Date.UTC(wall.year, wall.month - 1, wall.day));
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - sinceMonday);
  return instantOf(date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), timeZone);
}

/** `2025-03-09T00:00:00-05:00`: the wall-clock time at the instant and the zone's offset then. */
export function rfc3339InZone(instantMs: number, timeZone: string): string {
  return localRfc3339(new Date(instantMs), timeZone);
}
