import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import type { ReportExport, ReportResult } from '@reportrun/core';
import * as database from '@reportrun/db';
import { seedLedger } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { startApiServer } from '../src/index.ts';
import { expectProblem } from './api-fixtures.ts';
import { expectedCsvText, json, ledgerQuery, parseCsv, savedReportsClient } from './saved-report-fixtures.ts';
import { bucketStart, rfc3339InZone, type Grain } from './zoned-buckets.ts';

/** Small enough that a query over customers overflows it, large enough for every other test. */
const syncMaxRows = 100;

const fixture = useTestFixture({
  database,
  team: 'Results team',
  seed: (db) => seedLedger(db.pool, 20_000),
  api: (environment) =>
    startApiServer(
      { ...environment.config, PORT: 0, SAVED_REPORT_SYNC_MAX_ROWS: syncMaxRows, RATE_LIMIT_PER_MINUTE: 100_000 },
      createLogger('api-test', 'silent'),
    ),
});
let client: ReturnType<typeof savedReportsClient>;

beforeAll(() => {
  client = savedReportsClient(fixture.api.url, fixture.apiKey);
});

async function runQuery(query: unknown): Promise<ReportResult> {
  const saved = await client.save('Results', query);
  return json<ReportResult>(await client.run(saved.id));
}

async function setMaterializedAt(instant: string): Promise<void> {
  await fixture.db.pool.query(
    `UPDATE dataset.dataset_freshness SET materialized_at = $1 WHERE dataset = 'balance_transactions'`,
    [instant],
  );
}

const sortedKeys = (value: object) => Object.keys(value).toSorted();

describe('run and export answer exactly the everruns shapes', () => {
  it('run: {as_of, columns [{name, kind}], rows keyed by column, freshness_lag_ms}', async () => {
    const materializedAt = '2026-01-02T03:04:05.678Z';
    await setMaterializedAt(materializedAt);
    const saved = await client.save(
      'Shape',
      ledgerQuery({
        dimensions: [{ field: 'currency' }],
        measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'amount' }],
      }),
    );
    const before = Date.now();
    const result = await json<ReportResult>(await client.run(saved.id));
    const after = Date.now();

    expect(sortedKeys(result)).toEqual(['as_of', 'columns', 'freshness_lag_ms', 'rows']);
    expect(result.as_of).toBe(materializedAt);
    expect(Number.isInteger(result.freshness_lag_ms)).toBe(true);
    expect(result.freshness_lag_ms!).toBeGreaterThanOrEqual(before - Date.parse(materializedAt) - 2000);
    expect(result.freshness_lag_ms!).toBeLessThanOrEqual(after - Date.parse(materializedAt) + 2000);
    expect(result.columns).toEqual([
      { name: 'currency', kind: 'dimension' },
      { name: 'count', kind: 'measure' },
      { name: 'sum_amount', kind: 'measure' },
    ]);
    for (const column of result.columns) expect(sortedKeys(column)).toEqual(['kind', 'name']);
    expect(result.rows.map((row) => row.currency)).toEqual(['eur', 'gbp', 'jpy', 'usd']);
    for (const row of result.rows) {
      expect(sortedKeys(row)).toEqual(['count', 'currency', 'sum_amount']);
      expect(typeof row.currency).toBe('string');
      expect(typeof row.count).toBe('number');
      expect(typeof row.sum_amount).toBe('number');
    }
  });

  it('as_of is when the data was materialized, not when the query ran; the lag grows with the clock', async () => {
    const materializedAt = '2026-01-01T00:00:00.000Z';
    await setMaterializedAt(materializedAt);
    const saved = await client.save('As of', ledgerQuery({ measures: [{ aggregate: 'count' }] }));
    const first = await json<ReportResult>(await client.run(saved.id));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await json<ReportResult>(await client.run(saved.id));
    expect(first.as_of).toBe(materializedAt);
    expect(second.as_of).toBe(materializedAt);
    expect(second.freshness_lag_ms! - first.freshness_lag_ms!).toBeGreaterThanOrEqual(1000);

    // Re-materializing (the seed stamps now()) moves as_of.
    await seedLedger(fixture.db.pool, 20_000);
    const fresh = await json<ReportResult>(await client.run(saved.id));
    expect(Date.parse(fresh.as_of)).toBeGreaterThan(Date.parse(materializedAt));
    expect(fresh.freshness_lag_ms!).toBeLessThan(60_000);
  });

  it('export: {as_of, content, content_type, filename, format, freshness_lag_ms}; csv unless asked otherwise', async () => {
    const saved = await client.save(
      'Export shape: Q1 / "fees"',
      ledgerQuery({ dimensions: [{ field: 'type' }], measures: [{ aggregate: 'sum', field: 'fee' }] }),
    );
    const run = await json<ReportResult>(await client.run(saved.id));
    for (const [body, format, contentType] of [
      [undefined, 'csv', 'text/csv'],
      [{}, 'csv', 'text/csv'],
      [{ format: 'csv' }, 'csv', 'text/csv'],
      [{ format: 'json' }, 'json', 'application/json'],
    ] as const) {
      const exported = await json<ReportExport>(await client.export(saved.id, body));
      expect(sortedKeys(exported)).toEqual([
        'as_of',
        'content',
        'content_type',
        'filename',
        'format',
        'freshness_lag_ms',
      ]);
      expect(exported).toMatchObject({
        as_of: run.as_of,
        format,
        content_type: contentType,
        filename: `export-shape-q1-fees.${format}`,
      });
      expect(typeof exported.content).toBe('string');
      expect(Number.isInteger(exported.freshness_lag_ms)).toBe(true);
    }
    await expectProblem(
      await client.export(saved.id, { format: 'xlsx' }),
      400,
      'parameter_invalid',
      'format',
    );
  });

  it('a dataset with no freshness record answers as of now, with freshness_lag_ms null', async () => {
    const { rows } = await fixture.db.pool.query<{ materialized_at: Date }>(
      `DELETE FROM dataset.dataset_freshness RETURNING materialized_at`,
    );
    try {
      const before = Date.now();
      const result = await runQuery(ledgerQuery({ measures: [{ aggregate: 'count' }] }));
      expect(result.freshness_lag_ms).toBeNull();
      expect(Date.parse(result.as_of)).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      await fixture.db.pool.query(
        `INSERT INTO dataset.dataset_freshness (dataset, materialized_at) VALUES ('balance_transactions', $1)`,
        [rows[0]!.materialized_at],
      );
    }
  });
});

describe('measures equal an independent computation over the raw rows', () => {
  it('count, count of a field, count_distinct, sum, avg, min and max per group; sums exact in minor units', async () => {
    const range = { from: '2025-02-01T00:00:00Z', to: '2025-09-01T00:00:00Z' };
    const query = ledgerQuery({
      time_range: range,
      dimensions: [{ field: 'currency' }, { field: 'type' }],
      measures: [
        { aggregate: 'count' },
        { aggregate: 'count', field: 'customer' },
        { aggregate: 'count_distinct', field: 'customer' },
        { aggregate: 'sum', field: 'amount' },
        { aggregate: 'sum', field: 'fee' },
        { aggregate: 'avg', field: 'net' },
        { aggregate: 'min', field: 'amount' },
        { aggregate: 'max', field: 'net' },
      ],
      filters: [{ field: 'status', op: 'eq', value: 'available' }],
    });
    const saved = await client.save('Measures', query);
    const result = await json<ReportResult>(await client.run(saved.id));
    const csv = parseCsv(
      (await json<ReportExport>(await client.export(saved.id, { format: 'csv' }))).content,
    );

    // Independent: raw rows, grouped and aggregated in TypeScript with BigInt.
    const { rows: raw } = await fixture.db.pool.query<{
      currency: string;
      type: string;
      customer: string | null;
      amount: string;
      fee: string;
      net: string;
    }>(
      `SELECT currency, type, customer, amount::text, fee::text, net::text FROM dataset.balance_transactions
        WHERE created >= $1 AND created < $2 AND status = 'available'`,
      [range.from, range.to],
    );
    interface Group {
      count: number;
      customers: number;
      distinct: Set<string>;
      amount: bigint;
      fee: bigint;
      net: bigint;
      minAmount: bigint;
      maxNet: bigint;
    }
    const groups = new Map<string, Group>();
    for (const row of raw) {
      const key = `${row.currency}|${row.type}`;
      const [amount, fee, net] = [BigInt(row.amount), BigInt(row.fee), BigInt(row.net)];
      const group = groups.get(key) ?? {
        count: 0,
        customers: 0,
        distinct: new Set(),
        amount: 0n,
        fee: 0n,
        net: 0n,
        minAmount: amount,
        maxNet: net,
      };
      group.count += 1;
      if (row.customer !== null) {
        group.customers += 1;
        group.distinct.add(row.customer);
      }
      group.amount += amount;
      group.fee += fee;
      group.net += net;
      if (amount < group.minAmount) group.minAmount = amount;
      if (net > group.maxNet) group.maxNet = net;
      groups.set(key, group);
    }
    expect(raw.length).toBeGreaterThan(1000);
    expect(result.rows).toHaveLength(groups.size);
    expect(csv).toHaveLength(groups.size + 1);
    expect(csv[0]).toEqual(result.columns.map((column) => column.name));

    result.rows.forEach((row, index) => {
      const group = groups.get(`${row.currency}|${row.type}`)!;
      const average = roundHalfAwayFromZero(group.net, group.count, 4);
      const expected = {
        currency: row.currency,
        type: row.type,
        count: String(group.count),
        count_customer: String(group.customers),
        count_distinct_customer: String(group.distinct.size),
        sum_amount: String(group.amount),
        sum_fee: String(group.fee),
        avg_net: average,
        min_amount: String(group.minAmount),
        max_net: String(group.maxNet),
      };
      // The CSV carries Postgres' exact text of every value…
      expect(
        Object.fromEntries(result.columns.map((column, i) => [column.name, csv[index + 1]![i]])),
      ).toEqual(expected);
      // …and the run the same values as JSON numbers.
      expect(row).toEqual({
        ...expected,
        count: group.count,
        count_customer: group.customers,
        count_distinct_customer: group.distinct.size,
        sum_amount: Number(group.amount),
        sum_fee: Number(group.fee),
        avg_net: Number(average),
        min_amount: Number(group.minAmount),
        max_net: Number(group.maxNet),
      });
    });
  });
});

/** sum / count rounded to `places` decimals, half away from zero (Postgres' numeric round), as text. */
function roundHalfAwayFromZero(sum: bigint, count: number, places: number): string {
  const scale = 10n ** BigInt(places);
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const divisor = BigInt(count);
  const scaled = (magnitude * scale * 2n + divisor) / (2n * divisor);
  const whole = scaled / scale;
  const fraction = String(scaled % scale).padStart(places, '0');
  return `${negative && scaled !== 0n ? '-' : ''}${whole}.${fraction}`;
}

describe('time grains in America/New_York across DST changes equal an independent computation', () => {
  const zone = 'America/New_York';
  const cases: [Grain, string, string, string[]][] = [
    [
      'day',
      '2025-03-05T00:00:00Z',
      '2025-03-14T00:00:00Z',
      ['2025-03-09T00:00:00-05:00', '2025-03-10T00:00:00-04:00'],
    ],
    [
      'day',
      '2025-10-29T00:00:00Z',
      '2025-11-06T00:00:00Z',
      ['2025-11-02T00:00:00-04:00', '2025-11-03T00:00:00-05:00'],
    ],
    [
      'week',
      '2025-02-20T00:00:00Z',
      '2025-04-10T00:00:00Z',
      ['2025-03-03T00:00:00-05:00', '2025-03-10T00:00:00-04:00'],
    ],
    [
      'month',
      '2025-01-01T00:00:00Z',
      '2026-01-01T00:00:00Z',
      [
        '2025-03-01T00:00:00-05:00',
        '2025-04-01T00:00:00-04:00',
        '2025-11-01T00:00:00-04:00',
        '2025-12-01T00:00:00-05:00',
      ],
    ],
    [
      'hour',
      '2025-11-02T03:00:00Z',
      '2025-11-02T09:00:00Z',
      ['2025-11-02T01:00:00-04:00', '2025-11-02T01:00:00-05:00'],
    ],
  ];

  it.each(cases)('%s buckets from %s to %s', async (grain, from, to, mustContain) => {
    const name = `created_${grain}`;
    const result = await runQuery(
      ledgerQuery({
        time_range: { from, to },
        dimensions: [{ field: 'created', grain, time_zone: zone }],
        measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'amount' }],
        limit: syncMaxRows,
      }),
    );
    const { rows: raw } = await fixture.db.pool.query<{ created: Date; amount: string }>(
      'SELECT created, amount::text FROM dataset.balance_transactions WHERE created >= $1 AND created < $2',
      [from, to],
    );
    const buckets = new Map<number, { count: number; sum: bigint }>();
    for (const row of raw) {
      const start = bucketStart(row.created.getTime(), grain, zone);
      const bucket = buckets.get(start) ?? { count: 0, sum: 0n };
      bucket.count += 1;
      bucket.sum += BigInt(row.amount);
      buckets.set(start, bucket);
    }
    const expected = [...buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([start, bucket]) => ({
        [name]: rfc3339InZone(start, zone),
        count: bucket.count,
        sum_amount: Number(bucket.sum),
      }));
    expect(result.rows).toEqual(expected);
    for (const label of mustContain) expect(result.rows.map((row) => row[name])).toContain(label);
  });
});

describe('CSV and JSON exports of one query hold the same values', () => {
  it('cell for cell: text (formula cells neutralised in CSV only), NULL as an empty field, numbers equal', async () => {
    const saved = await client.save(
      'Descriptions',
      ledgerQuery({
        time_range: { from: '2025-05-01T00:00:00Z', to: '2025-06-01T00:00:00Z' },
        dimensions: [{ field: 'description' }, { field: 'currency' }],
        measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'net' }],
      }),
    );
    const csvExport = await json<ReportExport>(await client.export(saved.id, { format: 'csv' }));
    const jsonExport = await json<ReportExport>(await client.export(saved.id, { format: 'json' }));
    const run = await json<ReportResult>(await client.run(saved.id));
    const jsonRows = JSON.parse(jsonExport.content) as Record<string, string | number | null>[];
    expect(jsonRows).toEqual(run.rows);
    expect(jsonExport.as_of).toBe(csvExport.as_of);

    // RFC 4180: CRLF after every record, header first.
    expect(csvExport.content.endsWith('\r\n')).toBe(true);
    expect(csvExport.content.startsWith('description,currency,count,sum_net\r\n')).toBe(true);
    const [header, ...cells] = parseCsv(csvExport.content);
    expect(header).toEqual(['description', 'currency', 'count', 'sum_net']);
    expect(cells).toHaveLength(jsonRows.length);
    jsonRows.forEach((row, index) => {
      const line = cells[index]!;
      for (const [i, column] of ['description', 'currency'].entries()) {
        const value = row[column] as string | null;
        expect(line[i]).toBe(value === null ? null : expectedCsvText(value));
      }
      expect(Number(line[2])).toBe(row.count);
      expect(Number(line[3])).toBe(row.sum_net);
    });

    // The awkward descriptions in the ledger all made it through.
    const descriptions = jsonRows.map((row) => row.description);
    expect(descriptions).toContain('=HYPERLINK("http://example.invalid","click")');
    expect(descriptions).toContain('Line one\nLine two');
    expect(descriptions).toContain(null);
    const formulaIndex = descriptions.indexOf('=HYPERLINK("http://example.invalid","click")');
    expect(cells[formulaIndex]![0]).toBe('\'=HYPERLINK("http://example.invalid","click")');
    expect(csvExport.content).toContain('"\'=HYPERLINK(""http://example.invalid"",""click"")"');
    const negative = jsonRows.find((row) => typeof row.sum_net === 'number' && row.sum_net < 0);
    expect(negative, 'a negative measure to show numbers are not neutralised').toBeDefined();
    expect(csvExport.content).toContain(`,${negative!.sum_net}\r\n`);
  });
});

describe('row limits', () => {
  it("a run returns at most the query's limit, in the order asked for", async () => {
    const result = await runQuery(
      ledgerQuery({
        dimensions: [{ field: 'customer' }],
        measures: [{ aggregate: 'count' }],
        filters: [{ field: 'customer', op: 'is_not_null' }],
        order_by: [{ field: 'count', direction: 'desc' }],
        limit: 7,
      }),
    );
    expect(result.rows).toHaveLength(7);
    const counts = result.rows.map((row) => row.count as number);
    expect(counts).toEqual(counts.toSorted((a, b) => b - a));
    const { rows } = await fixture.db.pool.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM dataset.balance_transactions WHERE customer IS NOT NULL GROUP BY customer ORDER BY count(*) DESC LIMIT 7`,
    );
    expect(counts).toEqual(rows.map((row) => Number(row.count)));
  });

  it('a result up to the synchronous cap is answered; one limited below the cap is never too large', async () => {
    const atCap = await runQuery(
      ledgerQuery({
        dimensions: [{ field: 'customer' }],
        measures: [{ aggregate: 'count' }],
        limit: syncMaxRows,
      }),
    );
    expect(atCap.rows).toHaveLength(syncMaxRows);
    const fewGroups = await runQuery(
      ledgerQuery({
        dimensions: [{ field: 'currency' }],
        measures: [{ aggregate: 'count' }],
        limit: 1_000_000,
      }),
    );
    expect(fewGroups.rows).toHaveLength(4);
  });

  it('more rows than the cap is a problem whose allowed_actions lead to the async run', async () => {
    const saved = await client.save(
      'Every customer',
      ledgerQuery({ dimensions: [{ field: 'customer' }], measures: [{ aggregate: 'count' }], limit: 10_000 }),
    );
    for (const response of [await client.run(saved.id), await client.export(saved.id, { format: 'csv' })]) {
      const problem = await expectProblem(response, 422, 'result_too_large');
      expect(problem).toMatchObject({ title: 'Result too large', max_rows: syncMaxRows });
      expect(problem.instance).toMatch(new RegExp(`^/v1/reports/saved/${saved.id}/(run|export)$`));
      expect(problem.allowed_actions).toEqual([
        {
          rel: 'create',
          href: '/v2/reporting/report_runs',
          method: 'POST',
          operation_id: 'createReportRun',
          hint: expect.stringContaining(saved.id),
          schema_ref: '#/components/schemas/CreateReportRunRequest',
        },
        {
          rel: 'update',
          href: `/v1/reports/saved/${saved.id}`,
          method: 'PATCH',
          operation_id: 'updateSavedReport',
          hint: expect.stringContaining(String(syncMaxRows)),
          schema_ref: '#/components/schemas/UpdateSavedReportRequest',
        },
      ]);
    }
    // Following the hint works: the async run is created for the saved report.
    const runResponse = await fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ report: saved.id }),
    });
    expect((await json<{ report: string; report_name: string }>(runResponse)).report).toBe(saved.id);
  });

  it('a query slower than the synchronous statement timeout is a 504 pointing to the async run', async () => {
    const impatient = await startApiServer(
      {
        ...fixture.environment.config,
        PORT: 0,
        SAVED_REPORT_STATEMENT_TIMEOUT_MS: 1,
        RATE_LIMIT_PER_MINUTE: 100_000,
      },
      createLogger('api-test', 'silent'),
    );
    try {
      const saved = await client.save(
        'Slow',
        ledgerQuery({
          dimensions: [
            { field: 'description' },
            { field: 'customer' },
            { field: 'created', grain: 'hour', time_zone: 'Asia/Kolkata' },
          ],
          measures: [{ aggregate: 'count_distinct', field: 'id' }],
          limit: 50,
        }),
      );
      const problem = await expectProblem(
        await savedReportsClient(impatient.url, fixture.apiKey).run(saved.id),
        504,
        'query_timeout',
      );
      expect(problem.allowed_actions).toEqual([
        expect.objectContaining({ rel: 'create', operation_id: 'createReportRun' }),
      ]);
    } finally {
      await impatient.close();
    }
  });
});
