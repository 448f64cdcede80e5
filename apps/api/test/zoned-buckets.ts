/**
 * Time buckets computed independently of Postgres: wall-clock parts and offsets come from Intl
 * (ICU's time zone data), calendar arithmetic from plain UTC dates. Used to check the SQL
 * compiler's date_trunc-in-a-zone against something that shares none of its code.
 */

export type Grain = 'hour' | 'day' | 'week' | 'month';

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instantMs: number, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const parts = Object.fromEntries(
    formatter.formatToParts(new Date(instantMs)).map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** Minutes the zone is ahead of UTC at the instant. */
function offsetMinutes(instantMs: number, timeZone: string): number {
  const wall = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/** The instant a wall-clock time names in the zone (midnights here, never ambiguous in the zones tested). */
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

const two = (value: number) => String(value).padStart(2, '0');

/** `2025-03-09T00:00:00-05:00`: the wall-clock time at the instant and the zone's offset then. */
export function rfc3339InZone(instantMs: number, timeZone: string): string {
  const wall = wallClock(instantMs, timeZone);
  const offset = offsetMinutes(instantMs, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${wall.year}-${two(wall.month)}-${two(wall.day)}T${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}` +
    `${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`
  );
}
