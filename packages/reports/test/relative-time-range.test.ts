import { describe, expect, it } from 'vitest';
import { resolveTimeRange } from '@reportrun/reports';

const hours = (range: { from: Date; to: Date }) => (range.to.getTime() - range.from.getTime()) / 3_600_000;
const iso = (range: { from: Date; to: Date }) => [range.from.toISOString(), range.to.toISOString()];

describe('resolveTimeRange: yesterday is the calendar day of the zone', () => {
  it('Europe/Berlin: 23 hours the day clocks spring forward, 25 the day they fall back', () => {
    const spring = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-03-30T06:00:00Z'), 'Europe/Berlin');
    expect(iso(spring)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(hours(spring)).toBe(23);
    const autumn = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-10-26T06:00:00Z'), 'Europe/Berlin');
    expect(iso(autumn)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(hours(autumn)).toBe(25);
  });

  it('America/New_York: 23 and 25 hours on 2026-03-08 and 2026-11-01', () => {
    const spring = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-03-09T12:00:00Z'), 'America/New_York');
    expect(iso(spring)).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(hours(spring)).toBe(23);
    const autumn = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-11-02T12:00:00Z'), 'America/New_York');
    expect(iso(autumn)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(hours(autumn)).toBe(25);
  });

  it('Australia/Lord_Howe: its 30-minute shift makes days of 23.5 and 24.5 hours', () => {
    // Clocks go back from 02:00 (+11) to 01:30 (+10:30) on 2026-04-05, forward on 2026-10-04.
    const autumn = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-04-06T03:00:00Z'), 'Australia/Lord_Howe');
    expect(iso(autumn)).toEqual(['2026-04-04T13:00:00.000Z', '2026-04-05T13:30:00.000Z']);
    expect(hours(autumn)).toBe(24.5);
    const spring = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-10-05T03:00:00Z'), 'Australia/Lord_Howe');
    expect(iso(spring)).toEqual(['2026-10-03T13:30:00.000Z', '2026-10-04T13:00:00.000Z']);
    expect(hours(spring)).toBe(23.5);
  });

  it('a day starting inside a DST gap starts at the first instant after it', () => {
    // America/Santiago springs forward at 24:00 on 2026-09-05: 2026-09-06 starts at 01:00 local.
    const range = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-09-07T12:00:00Z'), 'America/Santiago');
    expect(iso(range)).toEqual(['2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
    expect(hours(range)).toBe(23);
  });

  it('the day is the day of `at` in the zone, not in UTC', () => {
    // 2026-06-10T23:30Z is already June 11 in Berlin: yesterday there is June 10.
    const range = resolveTimeRange({ relative: 'previous_day' }, new Date('2026-06-10T23:30:00Z'), 'Europe/Berlin');
    expect(iso(range)).toEqual(['2026-06-09T22:00:00.000Z', '2026-06-10T22:00:00.000Z']);
  });

  it('every day of a year in many zones is contiguous with the next and 23 to 25 hours long', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham']) {
      let previous: { from: Date; to: Date } | undefined;
      for (let day = 0; day < 366; day += 1) {
        const at = new Date(Date.UTC(2026, 0, 1, 12) + day * 86_400_000);
        const range = resolveTimeRange({ relative: 'previous_day' }, at, zone);
        expect(hours(range)).toBeGreaterThanOrEqual(23);
        expect(hours(range)).toBeLessThanOrEqual(25);
        if (previous) expect(range.from.getTime()).toBe(previous.to.getTime());
        previous = range;
      }
    }
  });
});

describe('resolveTimeRange: weeks, months, hours', () => {
  it('previous_week runs Monday to Monday in the zone', () => {
    // Wednesday 2026-11-04 in New York: the previous week is Mon Oct 26 – Mon Nov 2 (168 + 1 h).
    const range = resolveTimeRange({ relative: 'previous_week' }, new Date('2026-11-04T15:00:00Z'), 'America/New_York');
    expect(iso(range)).toEqual(['2026-10-26T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(hours(range)).toBe(169);
    // On a Monday, the previous week is the seven days just ended.
    const monday = resolveTimeRange({ relative: 'previous_week' }, new Date('2026-06-08T00:00:00Z'), 'UTC');
    expect(iso(monday)).toEqual(['2026-06-01T00:00:00.000Z', '2026-06-08T00:00:00.000Z']);
  });

  it('previous_month crosses a year and follows the zone', () => {
    const january = resolveTimeRange({ relative: 'previous_month' }, new Date('2027-01-15T00:00:00Z'), 'Europe/Berlin');
    expect(iso(january)).toEqual(['2026-11-30T23:00:00.000Z', '2026-12-31T23:00:00.000Z']);
    const march = resolveTimeRange({ relative: 'previous_month' }, new Date('2026-04-01T02:00:00Z'), 'America/New_York');
    // 22:00 on March 31 in New York: still March there, so the previous month is February.
    expect(iso(march)).toEqual(['2026-02-01T05:00:00.000Z', '2026-03-01T05:00:00.000Z']);
  });

  it('month_to_date ends at the run instant; last_n_hours counts elapsed hours', () => {
    const at = new Date('2026-03-09T12:34:56.789Z');
    expect(iso(resolveTimeRange({ relative: 'month_to_date' }, at, 'America/New_York'))).toEqual([
      '2026-03-01T05:00:00.000Z',
      '2026-03-09T12:34:56.789Z',
    ]);
    // 24 elapsed hours, whatever the zone's clocks did meanwhile.
    const range = resolveTimeRange({ relative: 'last_n_hours', n: 24 }, at, 'America/New_York');
    expect(iso(range)).toEqual(['2026-03-08T12:34:56.789Z', '2026-03-09T12:34:56.789Z']);
  });

  it('last_n_hours without n is refused', () => {
    expect(() => resolveTimeRange({ relative: 'last_n_hours' }, new Date(), 'UTC')).toThrow(RangeError);
  });
});
