import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { DataScope, ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { enqueueReportRun } from '@reportrun/queue';
import { createReportRun } from '@reportrun/status';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { useProducerQueue } from './api-fixtures.ts';
import { expectedItemizedCsv, expectedItemizedRows, type LedgerScope } from './ledger-csv.ts';

/**
 * A run made for a member never shows rows outside the member's data scope, whatever its
 * parameters ask: every file below is compared row by row with a plain SQL query that applies
 * the scope itself (`= ANY`), independently of the report compiler.
 */
const fixture = useTestFixture({
  database,
  team: 'Scoped team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 6_000);
  },
  api: true,
  worker: true,
});
const { call, getRun } = fixture.client;

const producer = useProducerQueue(fixture);

const interval = { interval_start: '2025-02-01T00:00:00Z', interval_end: '2025-09-01T00:00:00Z' };
// 300 of the seed's 5,000 customers; rows without a customer are outside any customer scope.
const someCustomers = Array.from({ length: 300 }, (_, index) => `cus_${String(index * 7).padStart(6, '0')}`);

async function member(email: string, dataScope: unknown): Promise<{ id: string; scope: DataScope }> {
  const response = await call('POST', '/v1/members', { email, data_scope: dataScope });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.id as string, scope: response.body.data_scope as DataScope };
}

/** A run made for a member the way the schedules engine makes one: through the status service. */
async function runFor(
  user: { id: string; scope: DataScope },
  reportId: string,
  reportParameters: Record<string, string | string[]>,
  resultOptions: { compress_file?: boolean; format?: 'csv' | 'json' } = {},
): Promise<{ run: ReportRunResource; bytes: Buffer }> {
  const created = await createReportRun(fixture.db.prisma, {
    teamId: fixture.teamId,
    livemode: false,
    reportId,
    reportName: reportId,
    reportParameters,
    resultOptions,
    timeoutSeconds: 120,
    createdBy: 'test',
    userId: user.id,
    dataScope: user.scope,
  });
  await enqueueReportRun(producer.queue, created.id);
  const run = await waitFor(() => getRun(created.id), (current) => current.status !== 'running', { timeoutMs: 120_000 });
  expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
  const download = await fetch(run.result!.file!.download_url.url);
  expect(download.status).toBe(200);
  return { run, bytes: Buffer.from(await download.arrayBuffer()) };
}

const parameters = (extra: Record<string, string> = {}) => ({
  interval_start: '2025-02-01T00:00:00.000Z',
  interval_end: '2025-09-01T00:00:00.000Z',
  ...extra,
});

describe('a member run is never wider than the member scope', () => {
  it('a currency scope limits an itemized CSV to those currencies; asking for another currency gives no rows', async () => {
    const euro = await member('euro@example.com', { currency: ['gbp', 'eur', 'eur'] });
    expect(euro.scope).toEqual({ currency: ['eur', 'gbp'] });

    const all = await runFor(euro, 'balance_change_from_activity.itemized.1', parameters());
    const expected = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, {
      scope: { currency: ['eur', 'gbp'] },
    });
    expect(expected.rows).toBeGreaterThan(500);
    expect(all.bytes.toString('utf8')).toBe(expected.csv);
    expect(all.run.result!.file!.rows).toBe(expected.rows);

    // The parameter narrows the scope…
    const eur = await runFor(euro, 'balance_change_from_activity.itemized.1', parameters({ currency: 'eur' }));
    const expectedEur = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, 'eur', {
      scope: { currency: ['eur', 'gbp'] },
    });
    expect(eur.bytes.toString('utf8')).toBe(expectedEur.csv);
    // …but never widens it: USD is outside the scope, so the intersection is empty.
    const usd = await runFor(euro, 'balance_change_from_activity.itemized.1', parameters({ currency: 'usd' }));
    expect(usd.run.result!.file!.rows).toBe(0);
    expect(usd.bytes.toString('utf8').trim().split('\n')).toHaveLength(1);
  });

  it('a customer scope holds in JSON Lines and in a ZIP, and rows without a customer stay out', async () => {
    const scope: LedgerScope = { customer: someCustomers };
    const customers = await member('customers@example.com', scope);
    const expected = await expectedItemizedRows(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, scope);
    expect(expected.rows.length).toBeGreaterThan(50);
    expect(expected.rows.every((row) => row[8] !== null)).toBe(true);

    const json = await runFor(customers, 'balance_change_from_activity.itemized.1', parameters(), { format: 'json' });
    const lines = json.bytes.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => Object.values(line))).toEqual(expected.rows);

    const zipped = await runFor(customers, 'balance_change_from_activity.itemized.1', parameters(), { compress_file: true });
    expect(zipped.run.result!.file!.content_type).toBe('zip');
    const entries = Object.values(unzipSync(new Uint8Array(zipped.bytes)));
    expect(entries).toHaveLength(1);
    const expectedCsv = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, { scope });
    expect(Buffer.from(entries[0]!).toString('utf8')).toBe(expectedCsv.csv);
  });

  it('a scope on both fields keeps only rows inside both, in an aggregated report too', async () => {
    const both = await member('both@example.com', { currency: ['usd'], customer: someCustomers });
    const { bytes } = await runFor(both, 'balance_change_from_activity.summary.1', parameters({ currency: 'usd' }), {
      format: 'json',
    });
    const rows = bytes.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const { rows: expected } = await fixture.db.pool.query<{ reporting_category: string; currency: string; count: string }>(
      `SELECT reporting_category, currency, count(*)::text AS count FROM dataset.balance_transactions
        WHERE created >= $1 AND created < $2 AND currency = ANY($3) AND customer = ANY($4)
        GROUP BY 1, 2 ORDER BY 1, 2`,
      [interval.interval_start, interval.interval_end, ['usd'], someCustomers],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((row) => [row.reporting_category, row.currency, String(row.count)])).toEqual(
      expected.map((row) => [row.reporting_category, row.currency, row.count]),
    );
  });

  it('payouts follow currency and destination; a customer scope cannot see payouts at all', async () => {
    const treasury = await member('treasury@example.com', { destination: ['ba_eur_0001', 'ba_usd_0002'] });
    const { bytes } = await runFor(treasury, 'payouts.itemized.1', parameters(), { format: 'json' });
    const rows = bytes.toString('utf8').trimEnd().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    const { rows: expected } = await fixture.db.pool.query<{ id: string }>(
      `SELECT bt.id FROM dataset.balance_transactions bt JOIN dataset.payouts po ON po.balance_transaction_id = bt.id
        WHERE bt.type = 'payout' AND bt.created >= $1 AND bt.created < $2 AND po.destination = ANY($3)
        ORDER BY bt.created, bt.id`,
      [interval.interval_start, interval.interval_end, ['ba_eur_0001', 'ba_usd_0002']],
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.balance_transaction_id)).toEqual(expected.map((row) => row.id));

    const customers = await member('customer-only@example.com', { customer: someCustomers });
    const none = await runFor(customers, 'payouts.itemized.1', parameters());
    expect(none.run.result!.file!.rows).toBe(0);
  });

  it('a balance summary sums only in-scope transactions', async () => {
    const gbp = await member('gbp@example.com', { currency: ['gbp'] });
    const { bytes } = await runFor(gbp, 'balance.summary.1', parameters({ currency: 'eur' }));
    // EUR asked, GBP allowed: nothing.
    expect(bytes.toString('utf8').trim().split('\n')).toHaveLength(1);
    const own = await runFor(gbp, 'balance.summary.1', parameters(), { format: 'json' });
    const currencies = new Set(
      own.bytes.toString('utf8').trimEnd().split('\n').map((line) => (JSON.parse(line) as { currency: string }).currency),
    );
    expect([...currencies]).toEqual(['gbp']);
  });

  it('an empty intersection of scopes shows nothing', async () => {
    const { run } = await runFor({ id: (await member('nobody@example.com', {})).id, scope: { currency: [] } }, 'balance_change_from_activity.itemized.1', parameters());
    expect(run.result!.file!.rows).toBe(0);
  });
});

describe('saved reports run for a member', () => {
  const query = {
    dataset: 'balance_transactions',
    time_range: { from: interval.interval_start, to: interval.interval_end },
    dimensions: [{ field: 'currency' }],
    measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'net' }],
    filters: [{ field: 'currency', op: 'in', value: ['usd', 'eur', 'gbp', 'jpy'] }],
    limit: 1000,
  };
  const independent = async (scope: LedgerScope) =>
    (
      await fixture.db.pool.query<{ currency: string; count: string; sum_net: string }>(
        `SELECT currency, count(*)::text AS count, sum(net)::text AS sum_net FROM dataset.balance_transactions
          WHERE created >= $1 AND created < $2 AND ($3::text[] IS NULL OR currency = ANY($3))
            AND ($4::text[] IS NULL OR customer = ANY($4))
          GROUP BY currency ORDER BY currency`,
        [interval.interval_start, interval.interval_end, scope.currency ?? null, scope.customer ?? null],
      )
    ).rows.map((row) => ({ currency: row.currency, count: Number(row.count), sum_net: Number(row.sum_net) }));

  it('synchronously and as a file, with the member scope applied on top of the query filters', async () => {
    const saved = await call('POST', '/v1/reports/saved', { name: 'By currency', query });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const scope = { currency: ['jpy', 'usd'], customer: someCustomers };
    const user = await member('saved@example.com', scope);

    const sync = await call('POST', `/v1/reports/saved/${saved.body.id as string}/run`, { user_id: user.id });
    expect(sync.status, JSON.stringify(sync.body)).toBe(200);
    expect(sync.body.rows).toEqual(await independent(scope));

    const exported = await call('POST', `/v1/reports/saved/${saved.body.id as string}/export`, { format: 'json', user_id: user.id });
    expect(exported.status).toBe(200);
    expect(JSON.parse(exported.body.content as string)).toEqual(await independent(scope));

    const { bytes } = await runFor(user, saved.body.id as string, {}, { format: 'json' });
    const rows = bytes.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((row) => ({ currency: row.currency, count: Number(row.count), sum_net: Number(row.sum_net) }))).toEqual(
      await independent(scope),
    );

    // Without a member, the same report is unscoped.
    const unscoped = await call('POST', `/v1/reports/saved/${saved.body.id as string}/run`);
    expect(unscoped.body.rows).toEqual(await independent({}));
  });

  it('a user_id that is not a member of the team is a 400 naming user_id', async () => {
    const saved = await call('POST', '/v1/reports/saved', { name: 'Any', query });
    for (const userId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const response = await call('POST', `/v1/reports/saved/${saved.body.id as string}/run`, { user_id: userId });
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(response.body.param).toBe('user_id');
    }
  });
});
