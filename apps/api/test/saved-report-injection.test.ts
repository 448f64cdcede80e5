import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import type { ReportExport, ReportResult, SavedReportResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { countLedgerRows, seedLedger } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { startApiServer } from '../src/index.ts';
import { expectProblem } from './api-fixtures.ts';
import {
  asLoggedParameter,
  isParameterEntry,
  isStatementEntry,
  readStatementLog,
  startStatementLog,
  type ServerLog,
} from './postgres-server-log.ts';
import { expectedCsvText, json, parseCsv, savedReportsClient } from './saved-report-fixtures.ts';

/**
 * Hostile text in every slot of a saved query. Identifier slots (dataset, fields, grains, time
 * zones, aggregates, operators, directions, keys) must refuse it with a 400 naming the slot;
 * value slots (filter values, the report's name) must treat it as a plain value. The server
 * log is the evidence: with log_statement = 'all' on this file's database, no executed
 * statement may contain any hostile string, while bind-parameter DETAIL lines carry them.
 */
const hostile = [
  `x' OR '1'='1`,
  `'; DROP TABLE dataset.balance_transactions; --`,
  `"; DROP TABLE dataset.balance_transactions; --`,
  `amount"); DROP TABLE public.reports; --`,
  `$1) OR ($2 = $2`,
  `$$; DROP TABLE dataset.balance_transactions; $$`,
  `amount /* comment */ --`,
  `*/ SELECT pg_sleep(5) /*`,
  `back\\slash\\' OR 1=1 --\\`,
  `E'\\x27; SELECT 1; --`,
  `Ünïcødé ‘smart’ “quotes” 🚀 \u202Eevil\u202C`,
  `\u0430mount`, // Cyrillic а: looks like a declared field, is not one
  `line one\nline two'); DROP TABLE x; --`,
  `100%_wild%`,
];

let client: ReturnType<typeof savedReportsClient>;
let serverLog: ServerLog;
let ledgerRowsBefore: number;
const perHostile = 2;

const fixture = useTestFixture({
  database,
  team: 'Hostile team',
  async seed(db, environment) {
    await seedLedger(db.pool, 5_000);
    // Rows whose text *is* hostile, so a value filter has something exact to find.
    for (const [i, text] of hostile.entries()) {
      for (let j = 0; j < perHostile; j += 1) {
        await db.pool.query(
          `INSERT INTO dataset.balance_transactions
             (id, created, available_on, currency, amount, fee, net, type, reporting_category, customer, description, status)
           VALUES ($1, $2, $2, 'usd', 100, 0, 100, 'charge', 'charge', $3, $4, 'available')`,
          [`txn_hostile_${i}_${j}`, new Date(Date.UTC(2025, 5, 15, 12, i, j)), j === 0 ? text : null, text],
        );
      }
    }
    ledgerRowsBefore = await countLedgerRows(db.pool);
    serverLog = await startStatementLog(db.pool, environment.config.DATABASE_URL, environment.databaseName);
  },
  // Started after logging is on (the seed step), so every connection the API opens logs its statements.
  api: (environment) =>
    startApiServer({ ...environment.config, PORT: 0, RATE_LIMIT_PER_MINUTE: 100_000 }, createLogger('api-test', 'silent')),
});

beforeAll(() => {
  client = savedReportsClient(fixture.api.url, fixture.apiKey);
});

const base = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
  dimensions: [{ field: 'currency' }],
  measures: [{ aggregate: 'count' }],
  filters: [{ field: 'currency', op: 'eq', value: 'usd' }],
  order_by: [{ field: 'count', direction: 'desc' }],
};

/** Each identifier slot, as a way to put text into it and the path the 400 must name. */
const identifierSlots: [string, (text: string) => Record<string, unknown>, (text: string) => string][] = [
  ['dataset', (text) => ({ dataset: text }), () => 'query.dataset'],
  ['dimension field', (text) => ({ dimensions: [{ field: text }] }), () => 'query.dimensions[0].field'],
  [
    'dimension grain',
    (text) => ({ dimensions: [{ field: 'created', grain: text }] }),
    () => 'query.dimensions[0].grain',
  ],
  [
    'dimension time zone',
    (text) => ({ dimensions: [{ field: 'created', grain: 'day', time_zone: text }] }),
    () => 'query.dimensions[0].time_zone',
  ],
  [
    'measure aggregate',
    (text) => ({ measures: [{ aggregate: text, field: 'amount' }] }),
    () => 'query.measures[0].aggregate',
  ],
  [
    'measure field',
    (text) => ({ measures: [{ aggregate: 'sum', field: text }] }),
    () => 'query.measures[0].field',
  ],
  [
    'filter field',
    (text) => ({ filters: [{ field: text, op: 'eq', value: 'usd' }] }),
    () => 'query.filters[0].field',
  ],
  [
    'filter operator',
    (text) => ({ filters: [{ field: 'currency', op: text, value: 'usd' }] }),
    () => 'query.filters[0].op',
  ],
  ['order_by field', (text) => ({ order_by: [{ field: text }] }), () => 'query.order_by[0].field'],
  [
    'order_by direction',
    (text) => ({ order_by: [{ field: 'count', direction: text }] }),
    () => 'query.order_by[0].direction',
  ],
  [
    'a key of a filter',
    (text) => ({ filters: [{ field: 'currency', op: 'eq', value: 'usd', [text]: 1 }] }),
    (text) => `query.filters[0].${text}`,
  ],
  [
    'time_range.from',
    (text) => ({ time_range: { from: text, to: '2026-01-01T00:00:00Z' } }),
    () => 'query.time_range.from',
  ],
  ['limit', (text) => ({ limit: text }), () => 'query.limit'],
];

describe('hostile text in an identifier slot is refused with a 400 naming the slot', () => {
  it.each(identifierSlots)('%s', async (_slot, place, param) => {
    for (const text of hostile) {
      const body = { name: 'Hostile identifier', query: { ...base, ...place(text) } };
      await expectProblem(await client.create(body), 400, 'parameter_invalid', param(text));
      const saved = await client.save('Update target', base);
      await expectProblem(
        await client.update(saved.id, { query: body.query }),
        400,
        'parameter_invalid',
        param(text),
      );
    }
  });

  it('a stored definition tampered with behind the API is refused when run, before any SQL', async () => {
    const saved = await client.save('Tampered', base);
    for (const text of hostile) {
      await fixture.db.pool.query(
        `UPDATE public.reports SET definition = jsonb_set(definition, '{dimensions,0,field}', to_jsonb($1::text)) WHERE id = $2`,
        [text, saved.id],
      );
      await expectProblem(await client.run(saved.id), 409, 'saved_report_invalid');
    }
  });

  it('a hostile saved report id in the path is simply not found', async () => {
    for (const text of hostile) await expectProblem(await client.get(text), 404, 'saved_report_not_found');
  });
});

describe('hostile text in a value slot is a plain value', () => {
  it('eq finds exactly the rows holding that text; the name comes back as sent', async () => {
    for (const text of hostile) {
      const saved = await client.save(text, {
        ...base,
        dimensions: [{ field: 'description' }],
        filters: [{ field: 'description', op: 'eq', value: text }],
      });
      expect((await json<SavedReportResource>(await client.get(saved.id))).name).toBe(text);
      const result = await json<ReportResult>(await client.run(saved.id));
      expect(result.rows).toEqual([{ description: text, count: perHostile }]);
      const exported = await json<ReportExport>(await client.export(saved.id, { format: 'csv' }));
      expect(exported.filename).toMatch(/^[a-z0-9-]+\.csv$|^[0-9a-f-]{36}\.csv$/);
    }
  });

  it('in, neq and contains treat quotes, comments, $n and % literally', async () => {
    const inList = await client.save('All hostile customers', {
      ...base,
      dimensions: [{ field: 'customer' }],
      filters: [{ field: 'customer', op: 'in', value: hostile }],
      order_by: [],
      limit: 100,
    });
    const result = await json<ReportResult>(await client.run(inList.id));
    expect(result.rows.map((row) => row.customer).toSorted()).toEqual([...hostile].sort());
    expect(result.rows.every((row) => row.count === 1)).toBe(true);

    const csv = parseCsv(
      (await json<ReportExport>(await client.export(inList.id, { format: 'csv' }))).content,
    );
    expect(
      csv
        .slice(1)
        .map((row) => row[0])
        .toSorted(),
    ).toEqual(hostile.map(expectedCsvText).sort());

    for (const text of hostile) {
      const neq = await client.save('Not this one', {
        ...base,
        dimensions: [],
        filters: [{ field: 'description', op: 'neq', value: text }],
        order_by: [],
      });
      const { rows } = await fixture.db.pool.query<{ count: string }>(
        'SELECT count(*)::text AS count FROM dataset.balance_transactions WHERE description IS DISTINCT FROM $1',
        [text],
      );
      expect((await json<ReportResult>(await client.run(neq.id))).rows).toEqual([
        { count: Number(rows[0]!.count) },
      ]);
    }

    const wild = await client.save('Literal wildcards', {
      ...base,
      dimensions: [{ field: 'description' }],
      filters: [{ field: 'description', op: 'contains', value: '%_' }],
      order_by: [],
    });
    expect((await json<ReportResult>(await client.run(wild.id))).rows).toEqual([
      { description: '100%_wild%', count: perHostile },
    ]);
  });
});

describe('the database is intact and its log shows no hostile statement text', () => {
  it('the ledger and the reports table are still there, with every row', async () => {
    const { rows } = await fixture.db.pool.query<{ ledger: string | null; reports: string | null }>(
      `SELECT to_regclass('dataset.balance_transactions')::text AS ledger, to_regclass('public.reports')::text AS reports`,
    );
    expect(rows[0]).toEqual({ ledger: 'dataset.balance_transactions', reports: 'reports' });
    expect(await countLedgerRows(fixture.db.pool)).toBe(ledgerRowsBefore);
    expect(await fixture.db.prisma.report.count({ where: { name: 'Hostile identifier' } })).toBe(0);
  });

  it('no statement the server executed contains a hostile string; their values arrived only as bind parameters', async () => {
    const entries = await readStatementLog(serverLog, fixture.environment.config.DATABASE_URL);
    const statements = entries.filter(isStatementEntry).map((entry) => entry.message);
    const parameters = entries.filter(isParameterEntry).map((entry) => entry.message);

    // The log did capture this file's work: the compiled report queries, in a read-only
    // transaction with a statement timeout, and their values bound through set_config.
    expect(
      statements.some(
        (text) =>
          text.includes('FROM dataset.balance_transactions AS t') &&
          text.includes("current_setting('reportrun.p"),
      ),
    ).toBe(true);
    expect(statements.some((text) => text.includes('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'))).toBe(
      true,
    );
    expect(statements.some((text) => text.includes('SET LOCAL statement_timeout'))).toBe(true);
    expect(statements.some((text) => text.includes("set_config('reportrun.p1', $1, true)"))).toBe(true);

    for (const text of hostile) {
      const carriers = statements.filter((statement) => statement.includes(text));
      expect(carriers, `a statement contains ${JSON.stringify(text)}`).toEqual([]);
      expect(
        parameters.some((line) => line.includes(asLoggedParameter(text))),
        `${JSON.stringify(text)} never appeared as a bind parameter`,
      ).toBe(true);
    }
  });
});
