import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import {
  compileReportSql,
  getCatalogReport,
  validateReportParameters,
  type CompileOptions,
} from '@reportrun/reports';
import { createStorageFromConfig, presignDownload, type Storage } from '@reportrun/storage';
import { useTestFixture } from '@reportrun/testing';
import { exportReport } from '@reportrun/runner';
import { neutralised, parseCsv, parseJsonLines, renderCsv, type Cell } from './file-formats.ts';
import {
  inInterval,
  localDate,
  localDateTime,
  localMidnight,
  localRfc3339,
  major,
  nextDate,
  readLedger,
  readPayouts,
  sum,
  type LedgerRow,
  type PayoutRow,
} from './ledger-arithmetic.ts';

/**
 * Each catalog report, run through the worker's real COPY → upload path, against an
 * independent computation over the same seeded rows (ledger-arithmetic.ts).
 */

let storage: Storage;
let ledger: LedgerRow[];
let payouts: Map<string, PayoutRow>;
let exported = 0;

const fixture = useTestFixture({
  database,
  seed: async (db) => {
    // One row every ~3 hours through 2025: every day, both DST changes, every pattern of the seed.
    await database.seedLedger(db.pool, 3_000);
    // Characters the seed lacks and JSON Lines must survive: backslashes (COPY's text format would
    // double them) and the control characters the JSON export uses as its CSV quote and delimiter.
    await db.pool.query(
      `INSERT INTO dataset.balance_transactions
         (id, created, available_on, currency, amount, fee, net, type, reporting_category, customer, description, status)
       VALUES ('txn_backslash', '2025-05-05T05:05:05Z', '2025-05-07T05:05:05Z', 'usd', 1000, 59, 941, 'charge', 'charge',
               NULL, $1, 'available')`,
      ['C:\\temp\\new "x" \u0001\u0002 \\u0041 end'],
    );
  },
});

beforeAll(async () => {
  storage = createStorageFromConfig(fixture.environment.config);
  ledger = await readLedger(fixture.db.pool);
  payouts = await readPayouts(fixture.db.pool);
});

afterAll(async () => {
  storage?.s3.destroy();
});

/** Runs a catalog report the way the worker does and returns the file's text. */
async function runReport(
  reportId: string,
  parameters: Record<string, unknown>,
  options: CompileOptions = { format: 'csv', escapeFormulas: true },
): Promise<{ text: string; rows: number }> {
  const report = getCatalogReport(reportId);
  const { values } = validateReportParameters(report, parameters);
  exported += 1;
  const objectKey = `catalog-test/${exported}`;
  const file = await exportReport({
    reportingPool: fixture.db.pool,
    storage,
    compiled: compileReportSql(report, values, options),
    objectKey,
    filename: reportId,
    compress: false,
    statementTimeoutMs: 30_000,
  });
  const download = await fetch((await presignDownload(storage, objectKey, 60)).url);
  expect(download.status).toBe(200);
  const text = await download.text();
  expect(Buffer.byteLength(text)).toBe(file.size);
  return { text, rows: file.rows };
}

const spring = { interval_start: '2025-04-01T00:00:00Z', interval_end: '2025-07-01T00:00:00Z' };

describe('balance.summary.1', () => {
  it('gives per currency the balance at the start, the activity by reporting category and the balance at the end', async () => {
    const { text } = await runReport('balance.summary.1', spring);

    const start = Date.parse(spring.interval_start);
    const before = (instant: number) => ledger.filter((row) => row.created.getTime() < instant);
    const currencies = [...new Set(before(Date.parse(spring.interval_end)).map((row) => row.currency))].sort();
    const expected: Cell[][] = [];
    for (const currency of currencies) {
      const mine = ledger.filter((row) => row.currency === currency);
      const starting = sum(mine.filter((row) => row.created.getTime() < start).map((row) => row.net));
      const activity = mine.filter((row) => inInterval(row, spring.interval_start, spring.interval_end));
      const ending = sum(before(Date.parse(spring.interval_end)).filter((row) => row.currency === currency).map((row) => row.net));
      // The identity the report promises, checked on the raw numbers first.
      expect(ending).toBe(starting + sum(activity.map((row) => row.net)));
      expected.push([currency, 'starting_balance', null, 'Balance at interval_start', null, major(starting, currency)]);
      for (const category of [...new Set(activity.map((row) => row.reporting_category))].sort()) {
        const rows = activity.filter((row) => row.reporting_category === category);
        expected.push([
          currency, 'activity', category, 'Net balance change from activity', String(rows.length),
          major(sum(rows.map((row) => row.net)), currency),
        ]);
      }
      expected.push([currency, 'ending_balance', null, 'Balance at interval_end', null, major(ending, currency)]);
    }
    expect(currencies).toEqual(['eur', 'gbp', 'jpy', 'usd']);
    expect(text).toBe(renderCsv(['currency', 'category', 'reporting_category', 'description', 'count', 'net_amount'], expected));
  });

  it('holds only the asked currency, in the asked columns', async () => {
    const { text } = await runReport('balance.summary.1', { ...spring, currency: 'JPY', columns: ['net_amount', 'category'] });
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['net_amount', 'category']);
    const jpy = ledger.filter((row) => row.currency === 'jpy');
    const ending = sum(jpy.filter((row) => row.created.getTime() < Date.parse(spring.interval_end)).map((row) => row.net));
    expect(rows.at(-1)).toEqual([ending.toString(), 'ending_balance']);
    const categories = new Set(jpy.filter((row) => inInterval(row, spring.interval_start, spring.interval_end)).map((row) => row.reporting_category));
    expect(rows.slice(1).map((row) => row[1])).toEqual([
      'starting_balance', ...[...categories].map(() => 'activity'), 'ending_balance',
    ]);
  });
});

describe('balance_change_from_activity.summary.1', () => {
  it('totals count, gross, fee and net in minor units by reporting category and currency', async () => {
    const { text } = await runReport('balance_change_from_activity.summary.1', spring);
    const inside = ledger.filter((row) => inInterval(row, spring.interval_start, spring.interval_end));
    const groups = new Map<string, LedgerRow[]>();
    for (const row of inside) {
      const key = `${row.reporting_category}\u0000${row.currency}`;
      groups.set(key, [...(groups.get(key) ?? []), row]);
    }
    const expected = [...groups.keys()].sort().map((key) => {
      const rows = groups.get(key)!;
      const [category, currency] = key.split('\u0000') as [string, string];
      return [
        category, currency, String(rows.length),
        major(sum(rows.map((row) => row.amount)), currency),
        major(sum(rows.map((row) => row.fee)), currency),
        major(sum(rows.map((row) => row.net)), currency),
      ];
    });
    // Four currencies × four categories, less the rare adjustments some currency did not see.
    expect(expected.length).toBeGreaterThanOrEqual(12);
    expect(text).toBe(renderCsv(['reporting_category', 'currency', 'count', 'gross', 'fee', 'net'], expected));
  });

  it('filters by reporting category and currency', async () => {
    const { text } = await runReport('balance_change_from_activity.summary.1', { ...spring, currency: 'usd', reporting_category: 'refund' });
    const rows = ledger.filter((row) => inInterval(row, spring.interval_start, spring.interval_end) && row.currency === 'usd' && row.type === 'refund');
    expect(text).toBe(
      renderCsv(['reporting_category', 'currency', 'count', 'gross', 'fee', 'net'], [[
        'refund', 'usd', String(rows.length), major(sum(rows.map((row) => row.amount)), 'usd'),
        major(sum(rows.map((row) => row.fee)), 'usd'), major(sum(rows.map((row) => row.net)), 'usd'),
      ]]),
    );
  });
});

describe('balance_change_from_activity.itemized.1', () => {
  it('gives the chosen columns in the chosen order, local times in the chosen zone', async () => {
    const parameters = {
      ...spring, reporting_category: 'charge', timezone: 'Asia/Kolkata',
      columns: ['net', 'description', 'created', 'balance_transaction_id', 'created_utc'],
    };
    const { text } = await runReport('balance_change_from_activity.itemized.1', parameters);
    const rows = ledger.filter((row) => inInterval(row, spring.interval_start, spring.interval_end) && row.reporting_category === 'charge');
    const expected = rows.map((row) => [
      major(row.net, row.currency),
      neutralised(row.description),
      localDateTime(row.created, 'Asia/Kolkata'),
      row.id,
      row.created.toISOString().slice(0, 19).replace('T', ' '),
    ]);
    expect(rows.length).toBeGreaterThan(500);
    expect(text).toBe(renderCsv(parameters.columns, expected));
  });
});

describe('payouts.itemized.1', () => {
  it('lists each payout transaction with its payout details and a positive amount', async () => {
    const parameters = { ...spring, timezone: 'Europe/Berlin' };
    const { text } = await runReport('payouts.itemized.1', parameters);
    const rows = ledger.filter((row) => inInterval(row, spring.interval_start, spring.interval_end) && row.type === 'payout');
    const expected = rows.map((row) => {
      const payout = payouts.get(row.id)!;
      expect(row.amount < 0n, 'the ledger records a payout as money leaving').toBe(true);
      return [
        payout.id,
        row.created.toISOString().slice(0, 19).replace('T', ' '),
        localDateTime(row.created, 'Europe/Berlin'),
        row.currency,
        major(-row.amount, row.currency),
        payout.arrival_date.toISOString().slice(0, 10),
        payout.status,
        payout.method,
        payout.destination,
        row.id,
        neutralised(row.description),
      ];
    });
    expect(rows.length).toBeGreaterThan(20);
    expect(text).toBe(
      renderCsv(
        [
          'payout_id', 'effective_at_utc', 'effective_at', 'currency', 'amount', 'payout_expected_arrival_date',
          'payout_status', 'payout_method', 'payout_destination_id', 'balance_transaction_id', 'description',
        ],
        expected,
      ),
    );
  });
});

describe('activity.daily.1', () => {
  const zone = 'America/New_York';
  // Local midnights: 2025-03-01 (EST, -05:00) to 2025-12-01 (EST), spanning both 2025 DST changes.
  const interval = { interval_start: '2025-03-01T05:00:00Z', interval_end: '2025-12-01T05:00:00Z', timezone: zone };

  function expectedSeries(start: string, end: string, filter: (row: LedgerRow) => boolean = () => true): Cell[][] {
    const inside = ledger.filter((row) => inInterval(row, start, end) && filter(row));
    const currencies = [...new Set(inside.map((row) => row.currency))].sort();
    const byDay = new Map<string, LedgerRow[]>();
    for (const row of inside) {
      const key = `${localDate(row.created, zone)} ${row.currency}`;
      byDay.set(key, [...(byDay.get(key) ?? []), row]);
    }
    const expected: Cell[][] = [];
    const last = localDate(new Date(Date.parse(end) - 1), zone);
    for (let date = localDate(new Date(start), zone); date <= last; date = nextDate(date)) {
      const bucketStart = new Date(Math.max(localMidnight(date, zone).getTime(), Date.parse(start)));
      const bucketEnd = new Date(Math.min(localMidnight(nextDate(date), zone).getTime(), Date.parse(end)));
      for (const currency of currencies) {
        const rows = byDay.get(`${date} ${currency}`) ?? [];
        expected.push([
          date, localRfc3339(bucketStart, zone), localRfc3339(bucketEnd, zone), currency, String(rows.length),
          major(sum(rows.map((row) => row.amount)), currency),
          major(sum(rows.map((row) => row.fee)), currency),
          major(sum(rows.map((row) => row.net)), currency),
        ]);
      }
    }
    return expected;
  }

  const header = ['date', 'bucket_start', 'bucket_end', 'currency', 'count', 'gross', 'fee', 'net'];

  it('buckets by local calendar day in the zone, correct across both DST changes', async () => {
    const { text, rows } = await runReport('activity.daily.1', interval);
    const expected = expectedSeries(interval.interval_start, interval.interval_end);
    expect(rows).toBe(275 * 4);
    expect(text).toBe(renderCsv(header, expected));
  });

  it('starts and ends every bucket at a local midnight: 23 hours on 2025-03-09, 25 on 2025-11-02', async () => {
    const { text } = await runReport('activity.daily.1', { ...interval, currency: 'usd' });
    const buckets = parseCsv(text).slice(1).map(([date, start, end]) => ({ date: date!, start: start!, end: end! }));
    expect(buckets).toHaveLength(275);
    const hours = (bucket: { start: string; end: string }) => (Date.parse(bucket.end) - Date.parse(bucket.start)) / 3_600_000;
    for (const [index, bucket] of buckets.entries()) {
      expect(bucket.start, bucket.date).toMatch(new RegExp(`^${bucket.date}T00:00:00-0[45]:00$`));
      expect(bucket.end.slice(11, 19), bucket.date).toBe('00:00:00');
      if (index > 0) expect(bucket.start).toBe(buckets[index - 1]!.end);
    }
    const byDate = new Map(buckets.map((bucket) => [bucket.date, bucket]));
    expect(byDate.get('2025-03-08')).toEqual({ date: '2025-03-08', start: '2025-03-08T00:00:00-05:00', end: '2025-03-09T00:00:00-05:00' });
    expect(byDate.get('2025-03-09')).toEqual({ date: '2025-03-09', start: '2025-03-09T00:00:00-05:00', end: '2025-03-10T00:00:00-04:00' });
    expect(byDate.get('2025-11-02')).toEqual({ date: '2025-11-02', start: '2025-11-02T00:00:00-04:00', end: '2025-11-03T00:00:00-05:00' });
    expect(hours(byDate.get('2025-03-09')!)).toBe(23);
    expect(hours(byDate.get('2025-11-02')!)).toBe(25);
    expect(buckets.filter((bucket) => hours(bucket) !== 24).map((bucket) => bucket.date)).toEqual(['2025-03-09', '2025-11-02']);
  });

  it('cuts the first and last bucket to an interval that does not start or end at midnight', async () => {
    const cut = { interval_start: '2025-03-08T17:30:00Z', interval_end: '2025-03-10T09:15:00Z', timezone: zone, reporting_category: 'charge' };
    const { text } = await runReport('activity.daily.1', cut);
    const expected = expectedSeries(cut.interval_start, cut.interval_end, (row) => row.reporting_category === 'charge');
    expect(expected[0]![1]).toBe('2025-03-08T12:30:00-05:00');
    expect(expected.at(-1)![2]).toBe('2025-03-10T05:15:00-04:00');
    expect(text).toBe(renderCsv(header, expected));
  });
});

describe('JSON Lines results', () => {
  it.each([
    ['balance_change_from_activity.itemized.1', { ...spring, columns: ['balance_transaction_id', 'customer', 'description', 'gross', 'created_utc'] }],
    ['activity.daily.1', { interval_start: '2025-03-08T05:00:00Z', interval_end: '2025-03-12T04:00:00Z', timezone: 'America/New_York' }],
    ['balance.summary.1', spring],
  ] as const)('%s: hold the same values as the CSV of the same run, decimals as strings', async (reportId, parameters) => {
    const csv = parseCsv((await runReport(reportId, parameters, { format: 'csv', escapeFormulas: false })).text);
    const json = await runReport(reportId, parameters, { format: 'json', escapeFormulas: false });
    const objects = parseJsonLines(json.text);
    const [header, ...rows] = csv;
    expect(json.rows).toBe(rows.length);
    expect(objects).toHaveLength(rows.length);
    const report = getCatalogReport(reportId);
    for (const [index, object] of objects.entries()) {
      expect(Object.keys(object)).toEqual(header);
      for (const [column, value] of Object.entries(object)) {
        const type = report.columns.find((candidate) => candidate.name === column)!.type;
        if (type === 'integer') expect(typeof value === 'number' || value === null, column).toBe(true);
        else expect(typeof value === 'string' || value === null, column).toBe(true);
        // A NULL is an empty CSV field and a JSON null.
        expect(value === null ? '' : String(value)).toBe(rows[index]![header!.indexOf(column)]);
      }
    }
  });

  it('keeps every character of awkward text: quotes, backslashes, control characters, line breaks, formula prefixes', async () => {
    const { text } = await runReport('balance_change_from_activity.itemized.1', { ...spring, columns: ['balance_transaction_id', 'description'] }, { format: 'json', escapeFormulas: true });
    const objects = parseJsonLines(text);
    const expected = ledger
      .filter((row) => inInterval(row, spring.interval_start, spring.interval_end))
      .map((row) => ({ balance_transaction_id: row.id, description: row.description }));
    // escape_formulas is for spreadsheets; JSON Lines keep values as stored even when it is set.
    expect(objects).toEqual(expected);
    expect(expected.some((row) => row.description?.startsWith('='))).toBe(true);
    expect(expected.some((row) => row.description?.includes('\n'))).toBe(true);
    expect(expected.some((row) => row.description?.includes('\\') && row.description.includes('\u0001'))).toBe(true);
  });
});
