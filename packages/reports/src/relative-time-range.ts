import type { RelativeTimeRange } from '@reportrun/core';
import { wallClockAt } from './time-zone.ts';

/** A resolved period: instants in [from, to). */
export interface ResolvedTimeRange {
  from: Date;
  to: Date;
}

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
/**
 * The first instant at which the zone's clocks read the start of this calendar day (or later:
 * where a day starts inside a DST gap, the first instant after it). The wall clock only moves
 * backwards at a fall-back, by at most a few hours, so searching a window of ±30 hours around
 * the day's UTC midnight finds the boundary.
 */
function startOfLocalDay(year: number, month: number, day: number, timeZone: string): number {
  const target = Date.UTC(year, month - 1, day);
  // Offsets and transitions fall on whole seconds, so the search runs over whole seconds.
  let low = (target - 30 * hourMs) / 1000; // clocks read before the target here, in every zone
  let high = (target + 30 * hourMs) / 1000; // and after it here
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (wallClockAt(timeZone, middle * 1000) >= target) high = middle;
    else low = middle;
  }
  // `high` is the first second whose clock reads the target day.
  return high * 1000;
}

interface LocalDate {
  year: number;
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

function localDate(instant: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockAt(timeZone, instant));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    weekday: wall.getUTCDay(),
  };
}

/** Start of the local day `offsetDays` from the given date (Date.UTC rolls months and years). */
function dayStart(date: Pick<LocalDate, 'year' | 'month' | 'day'>, offsetDays: number, timeZone: string): number {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day) + offsetDays * dayMs);
  return startOfLocalDay(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate(), timeZone);
}

/**
 * The instants a relative time range covers when a report runs at `at`, following the calendar
 * of `timeZone` (an IANA name; the caller has validated it). Pure: the same arguments always
 * give the same range, so a schedule's firing and a re-run of it agree.
 *
 * - previous_day: the local calendar day before `at`'s (23 or 25 hours across DST);
 * - previous_week: the ISO week (Monday 00:00 to Monday 00:00) before `at`'s;
 * - previous_month: the calendar month before `at`'s;
 * - month_to_date: from the start of `at`'s month up to `at`;
 * - last_n_hours: the n hours up to `at` (elapsed hours: no calendar involved).
 */
export function resolveTimeRange(
  range: Pick<RelativeTimeRange, 'relative' | 'n'>,
  at: Date,
  timeZone: string,
): ResolvedTimeRange {
  const now = at.getTime();
  if (Number.isNaN(now)) throw new RangeError('resolveTimeRange needs a valid instant');
  const today = localDate(now, timeZone);
  const span = (from: number, to: number): ResolvedTimeRange => ({ from: new Date(from), to: new Date(to) });
  switch (range.relative) {
    case 'previous_day':
      return span(dayStart(today, -1, timeZone), dayStart(today, 0, timeZone));
    case 'previous_week': {
      const sinceMonday = (today.weekday + 6) % 7;
      return span(dayStart(today, -sinceMonday - 7, timeZone), dayStart(today, -sinceMonday, timeZone));
    }
    case 'previous_month': {
      const thisMonth = { year: today.year, month: today.month, day: 1 };
      const lastMonth = today.month === 1 ? { year: today.year - 1, month: 12, day: 1 } : { ...thisMonth, month: today.month - 1 };
      return span(dayStart(lastMonth, 0, timeZone), dayStart(thisMonth, 0, timeZone));
    }
    case 'month_to_date':
      return span(dayStart({ year: today.year, month: today.month, day: 1 }, 0, timeZone), now);
    case 'last_n_hours': {
      if (range.n === undefined || !Number.isInteger(range.n) || range.n < 1)
        throw new RangeError('last_n_hours needs n, a positive whole number of hours');
      return span(now - range.n * hourMs, now);
    }
  }
}
