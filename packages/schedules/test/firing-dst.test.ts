import { describe, expect, it } from 'vitest';
import { firingsBetween, nextFiring, nextFirings, offsetAt, zonedCron, type ZonedCron } from '@reportrun/schedules';

const iso = (dates: Date[]) => dates.map((date) => date.toISOString());

/** Firings during one local calendar day, given the day's first instant and the next day's. */
function firingsOnDay(schedule: ZonedCron, midnight: string, nextMidnight: string): string[] {
  return iso(firingsBetween(schedule, new Date(Date.parse(midnight) - 1), new Date(Date.parse(nextMidnight) - 1)));
}

/**
 * The DST table: each row a zone's clock change, a schedule and what fires that local day.
 * Midnights are written out by hand (not computed with the code under test).
 */
const dstTable: {
  zone: string;
  day: string;
  midnight: string;
  nextMidnight: string;
  cron: string;
  fires: string[] | number;
}[] = [
  // America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
  { zone: 'America/New_York', day: '2026-03-08', midnight: '2026-03-08T05:00:00Z', nextMidnight: '2026-03-09T04:00:00Z', cron: '30 2 * * *', fires: ['2026-03-08T07:00:00.000Z'] },
  { zone: 'America/New_York', day: '2026-03-08', midnight: '2026-03-08T05:00:00Z', nextMidnight: '2026-03-09T04:00:00Z', cron: '0,15,30 2 * * *', fires: ['2026-03-08T07:00:00.000Z'] },
  { zone: 'America/New_York', day: '2026-03-08', midnight: '2026-03-08T05:00:00Z', nextMidnight: '2026-03-09T04:00:00Z', cron: '30 3 * * *', fires: ['2026-03-08T07:30:00.000Z'] },
  { zone: 'America/New_York', day: '2026-03-08', midnight: '2026-03-08T05:00:00Z', nextMidnight: '2026-03-09T04:00:00Z', cron: '0 * * * *', fires: 23 },
  { zone: 'America/New_York', day: '2026-03-08', midnight: '2026-03-08T05:00:00Z', nextMidnight: '2026-03-09T04:00:00Z', cron: '*/30 2 * * *', fires: [] },
  { zone: 'America/New_York', day: '2026-11-01', midnight: '2026-11-01T04:00:00Z', nextMidnight: '2026-11-02T05:00:00Z', cron: '30 1 * * *', fires: ['2026-11-01T05:30:00.000Z'] },
  { zone: 'America/New_York', day: '2026-11-01', midnight: '2026-11-01T04:00:00Z', nextMidnight: '2026-11-02T05:00:00Z', cron: '0 * * * *', fires: 25 },
  { zone: 'America/New_York', day: '2026-11-01', midnight: '2026-11-01T04:00:00Z', nextMidnight: '2026-11-02T05:00:00Z', cron: '*/30 1 * * *', fires: ['2026-11-01T05:00:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-01T06:00:00.000Z', '2026-11-01T06:30:00.000Z'] },
  { zone: 'America/New_York', day: '2026-11-01', midnight: '2026-11-01T04:00:00Z', nextMidnight: '2026-11-02T05:00:00Z', cron: '0 */2 * * *', fires: 12 },
  // Europe/London: 2026-03-29 01:00 GMT -> 02:00 BST; 2026-10-25 02:00 BST -> 01:00 GMT.
  { zone: 'Europe/London', day: '2026-03-29', midnight: '2026-03-29T00:00:00Z', nextMidnight: '2026-03-29T23:00:00Z', cron: '30 1 * * *', fires: ['2026-03-29T01:00:00.000Z'] },
  { zone: 'Europe/London', day: '2026-03-29', midnight: '2026-03-29T00:00:00Z', nextMidnight: '2026-03-29T23:00:00Z', cron: '0 * * * *', fires: 23 },
  { zone: 'Europe/London', day: '2026-10-25', midnight: '2026-10-24T23:00:00Z', nextMidnight: '2026-10-26T00:00:00Z', cron: '30 1 * * *', fires: ['2026-10-25T00:30:00.000Z'] },
  { zone: 'Europe/London', day: '2026-10-25', midnight: '2026-10-24T23:00:00Z', nextMidnight: '2026-10-26T00:00:00Z', cron: '0 * * * *', fires: 25 },
  // Australia/Lord_Howe shifts by 30 minutes: 2026-04-05 02:00 (+11) -> 01:30 (+10:30);
  // 2026-10-04 02:00 (+10:30) -> 02:30 (+11).
  { zone: 'Australia/Lord_Howe', day: '2026-04-05', midnight: '2026-04-04T13:00:00Z', nextMidnight: '2026-04-05T13:30:00Z', cron: '45 1 * * *', fires: ['2026-04-04T14:45:00.000Z'] },
  { zone: 'Australia/Lord_Howe', day: '2026-04-05', midnight: '2026-04-04T13:00:00Z', nextMidnight: '2026-04-05T13:30:00Z', cron: '0 * * * *', fires: 24 },
  { zone: 'Australia/Lord_Howe', day: '2026-04-05', midnight: '2026-04-04T13:00:00Z', nextMidnight: '2026-04-05T13:30:00Z', cron: '30 * * * *', fires: 25 },
  { zone: 'Australia/Lord_Howe', day: '2026-04-05', midnight: '2026-04-04T13:00:00Z', nextMidnight: '2026-04-05T13:30:00Z', cron: '*/15 1 * * *', fires: ['2026-04-04T14:00:00.000Z', '2026-04-04T14:15:00.000Z', '2026-04-04T14:30:00.000Z', '2026-04-04T14:45:00.000Z', '2026-04-04T15:00:00.000Z', '2026-04-04T15:15:00.000Z'] },
  { zone: 'Australia/Lord_Howe', day: '2026-10-04', midnight: '2026-10-03T13:30:00Z', nextMidnight: '2026-10-04T13:00:00Z', cron: '15 2 * * *', fires: ['2026-10-03T15:30:00.000Z'] },
  { zone: 'Australia/Lord_Howe', day: '2026-10-04', midnight: '2026-10-03T13:30:00Z', nextMidnight: '2026-10-04T13:00:00Z', cron: '0 * * * *', fires: 23 },
  { zone: 'Australia/Lord_Howe', day: '2026-10-04', midnight: '2026-10-03T13:30:00Z', nextMidnight: '2026-10-04T13:00:00Z', cron: '30 * * * *', fires: 24 },
  // UTC has no clock changes.
  { zone: 'UTC', day: '2026-03-08', midnight: '2026-03-08T00:00:00Z', nextMidnight: '2026-03-09T00:00:00Z', cron: '0 * * * *', fires: 24 },
];

describe('DST: Vixie cron rules in each zone', () => {
  for (const row of dstTable) {
    const expected = typeof row.fires === 'number' ? `${row.fires} times` : row.fires.length === 0 ? 'never' : row.fires.join(', ');
    it(`${row.cron} in ${row.zone} on ${row.day} fires ${expected}`, () => {
      const fired = firingsOnDay(zonedCron(row.cron, row.zone), row.midnight, row.nextMidnight);
      if (typeof row.fires === 'number') {
        expect(fired).toHaveLength(row.fires);
        expect(new Set(fired).size).toBe(row.fires);
      } else {
        expect(fired).toEqual(row.fires);
      }
    });
  }

  it('a fixed time fires once every day around a clock change, never twice and never skipped', () => {
    const schedule = zonedCron('30 2 * * *', 'America/New_York');
    expect(iso(firingsBetween(schedule, new Date('2026-03-06T00:00:00Z'), new Date('2026-03-11T00:00:00Z')))).toEqual([
      '2026-03-06T07:30:00.000Z',
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
    ]);
  });
});

/**
 * An independent statement of the same rules, checked minute by minute: at instant m (wall
 * time w = m + offset) a wildcard schedule fires when w matches; a fixed one fires when w
 * matches and no earlier instant showed w, or when m ends a gap that swallowed a matching wall
 * time. Minute-resolution schedules only.
 */
function referenceNext(expression: string, zone: string, after: number, matches: (wall: Date) => boolean, fixed: boolean): number | null {
  const minute = 60_000;
  for (let m = Math.floor(after / minute) * minute + minute; m < after + 3 * 86_400_000; m += minute) {
    const offset = offsetAt(zone, m);
    const previous = offsetAt(zone, m - minute);
    const wall = m + offset;
    if (fixed && offset > previous) {
      for (let skipped = m - minute + previous + minute; skipped < wall; skipped += minute) {
        if (matches(new Date(skipped))) return m;
      }
    }
    if (!matches(new Date(wall))) continue;
    if (!fixed) return m;
    const otherOffsets = [offsetAt(zone, m - 86_400_000), offsetAt(zone, m + 86_400_000)].filter((o) => o !== offset);
    const seenBefore = otherOffsets.some((o) => wall - o < m && offsetAt(zone, wall - o) === o);
    if (!seenBefore) return m;
  }
  void expression;
  return null;
}

describe('firing arithmetic agrees with a minute-by-minute reference', () => {
  const zones = ['America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];
  const crons: { expression: string; fixed: boolean; matches: (wall: Date) => boolean }[] = [
    { expression: '30 2 * * *', fixed: true, matches: (w) => w.getUTCHours() === 2 && w.getUTCMinutes() === 30 },
    { expression: '45 1 * * *', fixed: true, matches: (w) => w.getUTCHours() === 1 && w.getUTCMinutes() === 45 },
    { expression: '0,30 1-3 * * *', fixed: true, matches: (w) => [1, 2, 3].includes(w.getUTCHours()) && w.getUTCMinutes() % 30 === 0 },
    { expression: '0 * * * *', fixed: false, matches: (w) => w.getUTCMinutes() === 0 },
    { expression: '*/20 1-2 * * *', fixed: false, matches: (w) => [1, 2].includes(w.getUTCHours()) && w.getUTCMinutes() % 20 === 0 },
  ];
  // Instants around each 2026 clock change of the zones above, and some ordinary ones.
  const around = [
    '2026-03-08T00:00:00Z', '2026-03-08T06:10:00Z', '2026-03-08T07:00:00Z', '2026-11-01T05:29:00Z', '2026-11-01T05:45:00Z', '2026-11-01T06:15:00Z',
    '2026-03-28T23:59:00Z', '2026-03-29T00:45:00Z', '2026-10-25T00:15:00Z', '2026-10-25T00:59:00Z', '2026-10-25T01:10:00Z',
    '2026-04-04T13:50:00Z', '2026-04-04T14:40:00Z', '2026-04-04T15:05:00Z', '2026-10-03T15:00:00Z', '2026-10-03T15:29:00Z',
    '2026-01-15T12:34:00Z', '2026-07-01T00:00:00Z',
  ];
  for (const zone of zones) {
    for (const cron of crons) {
      it(`${cron.expression} in ${zone}`, () => {
        const schedule = zonedCron(cron.expression, zone);
        for (const start of around) {
          const after = Date.parse(start);
          const expected = referenceNext(cron.expression, zone, after, cron.matches, cron.fixed);
          expect(nextFiring(schedule, new Date(after))?.getTime(), `${cron.expression} ${zone} after ${start}`).toBe(expected);
        }
      });
    }
  }
});

describe('calendar rules', () => {
  it('fires on the 13th and on Fridays when both day fields are restricted (Vixie OR)', () => {
    const fired = iso(nextFirings(zonedCron('0 0 13 * 5', 'UTC'), new Date('2026-02-01T00:00:00Z'), 5));
    expect(fired).toEqual([
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
      '2026-03-06T00:00:00.000Z',
    ]);
  });

  it('a leap-day schedule waits for the next February 29', () => {
    expect(nextFiring(zonedCron('0 12 29 2 *', 'Europe/Berlin'), new Date('2026-03-01T00:00:00Z'))?.toISOString()).toBe(
      '2028-02-29T11:00:00.000Z',
    );
  });

  it('the 31st skips months without one', () => {
    expect(iso(nextFirings(zonedCron('0 0 31 * *', 'UTC'), new Date('2026-01-31T00:00:00Z'), 3))).toEqual([
      '2026-03-31T00:00:00.000Z',
      '2026-05-31T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ]);
  });

  it('a six-field schedule fires every second', () => {
    expect(iso(nextFirings(zonedCron('* * * * * *', 'UTC'), new Date('2026-01-01T00:00:00.400Z'), 3))).toEqual([
      '2026-01-01T00:00:01.000Z',
      '2026-01-01T00:00:02.000Z',
      '2026-01-01T00:00:03.000Z',
    ]);
  });

  it('names, ranges, steps, weekday 7 and macros mean what crontab(5) says', () => {
    const after = new Date('2026-01-01T00:00:00Z'); // a Thursday
    expect(iso(nextFirings(zonedCron('0 9 * jan mon-fri', 'UTC'), after, 2))).toEqual(['2026-01-01T09:00:00.000Z', '2026-01-02T09:00:00.000Z']);
    expect(nextFiring(zonedCron('0 0 * * 7', 'UTC'), after)?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
    expect(iso(nextFirings(zonedCron('10/25 * * * *', 'UTC'), after, 3))).toEqual(['2026-01-01T00:10:00.000Z', '2026-01-01T00:35:00.000Z', '2026-01-01T01:10:00.000Z']);
    expect(nextFiring(zonedCron('@weekly', 'UTC'), after)?.toISOString()).toBe('2026-01-04T00:00:00.000Z');
  });
});

describe('refused schedules name the field', () => {
  const refusedCron = ['0 0 30 2 *', '0 0 31 4,6,9,11 *', '61 * * * *', '* * * *', '0 24 * * *', '*/0 * * * *', '5-1 * * * *', 'a b c d e', '@often', '0 0 0 * *', ''];
  for (const expression of refusedCron) {
    it(`cron '${expression}'`, () => {
      expect(() => zonedCron(expression, 'UTC')).toThrow(expect.objectContaining({ status: 400, code: 'cron_expression_invalid', extensions: { param: 'cron_expression' } }));
    });
  }
  const refusedZones = ['UTC+3', '+03:00', 'Etc/GMT-3', 'GMT+1', 'Mars/Olympus', 'america/new york', ''];
  for (const zone of refusedZones) {
    it(`time zone '${zone}'`, () => {
      expect(() => zonedCron('0 0 * * *', zone)).toThrow(expect.objectContaining({ status: 400, code: 'timezone_invalid', extensions: { param: 'timezone' } }));
    });
  }
  it('accepts UTC and IANA names', () => {
    for (const zone of ['UTC', 'Etc/UTC', 'America/New_York', 'Australia/Lord_Howe', 'America/Argentina/Buenos_Aires']) {
      expect(zonedCron('0 0 * * *', zone).timeZone).toBe(zone);
    }
  });
});
