/**
 * Wall-clock arithmetic in IANA zones computed without Postgres: parts and offsets from Intl
 * (ICU's zone data), calendar arithmetic on plain UTC dates. Tests check the report compilers'
 * zone-aware SQL against these, so the two share no code.
 */

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

export function wallClock(instant: Date, zone: string): WallClock {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Local wall-clock time minus UTC, in minutes, at that instant. */
export function offsetMinutes(instant: Date, zone: string): number {
  const clock = wallClock(instant, zone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** `YYYY-MM-DD` of the instant in the zone. */
export function localDate(instant: Date, zone: string): string {
  const clock = wallClock(instant, zone);
  return `${clock.year}-${pad(clock.month)}-${pad(clock.day)}`;
}

/** `YYYY-MM-DD HH:MM:SS` wall-clock time in the zone. */
export function localDateTime(instant: Date, zone: string): string {
  const clock = wallClock(instant, zone);
  return `${localDate(instant, zone)} ${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}`;
}

/** RFC 3339 with the zone's offset at that instant, e.g. 2025-03-09T00:00:00-05:00. */
export function localRfc3339(instant: Date, zone: string): string {
  const offset = offsetMinutes(instant, zone);
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  return `${localDateTime(instant, zone).replace(' ', 'T')}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** The instant local midnight starts the calendar date `date` in the zone. */
export function localMidnight(date: string, zone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the first estimate can differ from the one at midnight itself.
  const first = guess - offsetMinutes(new Date(guess), zone) * 60_000;
  return new Date(guess - offsetMinutes(new Date(first), zone) * 60_000);
}

export function nextDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}
