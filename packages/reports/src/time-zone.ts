import { DomainError } from '@reportrun/core';

/**
 * Time zones, in one place: which names are accepted (by reports and by schedules), and the
 * zone arithmetic both do (a zone's offset and wall clock at an instant). Everything reads the
 * platform's tz database through Intl; nothing here hard-codes a rule.
 */

// An IANA name starts with a letter. This keeps out offsets such as `+05:30`, which Intl accepts
// but Postgres would read as a POSIX zone with the sign inverted.
const ianaName = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;
// `UTC+3`, `GMT-1`, `Etc/GMT-3`: names of a fixed offset.
const fixedOffsetName = /[+-]\d/;

/**
 * The canonical IANA name of a time zone (`US/Eastern` → `America/New_York`), or null when it
 * is not one. Reports hand Postgres the canonical name, so the zone the API accepted is the
 * zone the query applies; every canonical name Intl gives is one Postgres knows (a test checks).
 */
export function resolveTimeZone(raw: string): string | null {
  if (!ianaName.test(raw)) return null;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: raw }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  return ianaName.test(canonical) ? canonical : null;
}

export class InvalidTimeZone extends DomainError {
  constructor(timeZone: string, why: string) {
    super('timezone_invalid', 400, 'Invalid time zone', {
      detail: `The time zone '${timeZone}' is not valid: ${why}.`,
      extensions: { param: 'timezone' },
    });
  }
}

/**
 * A schedule's zone: an IANA name, as given (a resolvable one; see `resolveTimeZone`). Fixed
 * offsets (`UTC+3`, `+03:00`, `Etc/GMT-3`) are refused: a schedule in one cannot follow its
 * users' clocks across DST, which is the point of giving a zone. `UTC` itself is accepted.
 * Throws `InvalidTimeZone` naming the field.
 */
export function checkTimeZone(timeZone: string): string {
  if (!ianaName.test(timeZone) || timeZone.includes('//') || timeZone.endsWith('/')) {
    throw new InvalidTimeZone(timeZone, 'give an IANA time zone name such as Europe/Berlin');
  }
  if (fixedOffsetName.test(timeZone)) {
    throw new InvalidTimeZone(
      timeZone,
      'fixed UTC offsets cannot follow daylight saving time; give an IANA time zone name such as Europe/Berlin',
    );
  }
  if (resolveTimeZone(timeZone) === null) {
    throw new InvalidTimeZone(timeZone, 'it is not an IANA time zone name (see the tz database)');
  }
  return timeZone;
}

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
 * The zone's UTC offset at an instant, in milliseconds (positive east of Greenwich). Whole
 * seconds, as tz offsets are. The zone must be valid (`resolveTimeZone`/`checkTimeZone`).
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

/** The wall-clock reading at an instant, as milliseconds of a "UTC" date holding the local fields. */
export function wallClockAt(timeZone: string, instantMs: number): number {
  return instantMs + offsetAt(timeZone, instantMs);
}
