import { InvalidTimeZone } from './errors.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Checks that `timeZone` is an IANA zone name. Fixed offsets (`UTC+3`, `+03:00`, `Etc/GMT-3`)
 * are refused: a schedule in one cannot follow its users' clocks across DST, which is the point
 * of giving a zone. `UTC` itself is accepted (and is the default).
 */
export function checkTimeZone(timeZone: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(timeZone) || timeZone.length > 64) {
    throw new InvalidTimeZone(timeZone, 'give an IANA time zone name such as Europe/Berlin');
  }
  if (/[+-]\d/.test(timeZone)) {
    throw new InvalidTimeZone(
      timeZone,
      'fixed UTC offsets cannot follow daylight saving time; give an IANA time zone name such as Europe/Berlin',
    );
  }
  try {
    formatterFor(timeZone);
  } catch {
    throw new InvalidTimeZone(timeZone, 'it is not an IANA time zone name (see the tz database)');
  }
  return timeZone;
}

/**
 * The zone's UTC offset at an instant, in milliseconds (positive east of Greenwich), read from
 * the platform's tz database. Whole seconds, as tz offsets are.
 */
export function offsetAt(timeZone: string, instantMs: number): number {
  const second = Math.floor(instantMs / 1000) * 1000;
  const parts = formatterFor(timeZone).formatToParts(new Date(second));
  const field = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((part) => part.type === type)!.value);
  const era = parts.find((part) => part.type === 'era')!.value;
  const year = era === 'BC' || era === 'B' ? 1 - field('year') : field('year');
  const wall = Date.UTC(year, field('month') - 1, field('day'), field('hour'), field('minute'), field('second'));
  return wall - second;
}

/** The wall-clock time at an instant, as milliseconds of a "UTC" date holding the local fields. */
export function wallClockAt(timeZone: string, instantMs: number): number {
  return instantMs + offsetAt(timeZone, instantMs);
}
