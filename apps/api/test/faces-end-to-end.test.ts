import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';
import { expectedItemizedCsv } from './ledger-csv.ts';

/**
 * Each face driven as its own clients drive it — Stripe v1 with form-encoded bodies and with
 * Stripe's own SDK, Airplane with its headers and camelCase JSON — against one API and one real
 * worker, and the same run read through every face.
 */

const fixture = useTestFixture({
  database,
  team: 'Faces team',
  otherTeam: true,
  seed: async (db) => {
    await database.seedLedger(db.pool, 3_000);
  },
  api: inProcessApi,
  worker: true,
});

// Responses are checked value by value with toMatchObject; a type per face would only repeat them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = any;

const march = { start: '2025-03-01T00:00:00.000Z', end: '2025-04-01T00:00:00.000Z' };
const unix = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
const itemized = 'balance_change_from_activity.itemized.1';

async function v1(method: string, path: string, form?: string, key = fixture.apiKey) {
  const response = await fetch(`${fixture.api.url}${path}`, {
    method,
    redirect: 'manual',
    headers: {
      authorization: `Bearer ${key}`,
      ...(form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(form !== undefined ? { body: form } : {}),
  });
  const text = await response.text();
  const isJson = (response.headers.get('content-type') ?? '').includes('json');
  return { status: response.status, headers: response.headers, body: (isJson ? JSON.parse(text) : {}) as Body };
}

async function airplane(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${fixture.api.url}${path}`, {
    method,
    headers: {
      'x-airplane-api-key': fixture.apiKey,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as Body };
}

function stripeClient(key = fixture.apiKey): Stripe {
  const url = new URL(fixture.api.url);
  return new Stripe(key, {
    host: url.hostname,
    port: Number(url.port),
    protocol: 'http',
    maxNetworkRetries: 0,
    telemetry: false,
  });
}

const waitForV1 = (id: string) =>
  waitFor(() => v1('GET', `/v1/reporting/report_runs/${id}`), (response) => response.body.status !== 'pending', { timeoutMs: 120_000 });

async function download(url: string): Promise<string> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
}

describe("Stripe's v1 Reporting API, form-encoded as Stripe's clients send it", () => {
  it('creates a run, reports it pending, then succeeded with a file whose contents are the report', async () => {
    const form = new URLSearchParams({
      report_type: itemized,
      'parameters[interval_start]': String(unix(march.start)),
      'parameters[interval_end]': String(unix(march.end)),
      'parameters[currency]': 'usd',
    }).toString();
    const created = await v1('POST', '/v1/reporting/report_runs', form);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({
      object: 'reporting.report_run',
      livemode: false,
      report_type: itemized,
      parameters: { interval_start: unix(march.start), interval_end: unix(march.end), currency: 'usd' },
      status: 'pending',
      result: null,
      error: null,
      succeeded_at: null,
    });
    expect(created.body.id).toMatch(/^frr_[0-9a-z]{26}$/);
    expect(Number.isInteger(created.body.created)).toBe(true);

    const run = await waitForV1(created.body.id);
    expect(run.body.status, JSON.stringify(run.body)).toBe('succeeded');
    expect(run.body.succeeded_at).toBeGreaterThanOrEqual(created.body.created);
    const file = run.body.result;
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'finance_report_run',
      type: 'csv',
      filename: `${created.body.id}.csv`,
      url: `${fixture.api.url}/v1/files/${file.id}/contents`,
    });
    expect(file.id).toBe(created.body.id.replace('frr_', 'file_'));

    // The contents URL needs the key and sends the client on to a fresh, expiring storage URL.
    expect((await fetch(file.url, { redirect: 'manual' })).status).toBe(401);
    const redirect = await v1('GET', `/v1/files/${file.id}/contents`);
    expect(redirect.status).toBe(302);
    const csv = await download(redirect.headers.get('location')!);
    const expected = await expectedItemizedCsv(fixture.db.pool, march.start, march.end, 'usd');
    expect(expected.rows).toBeGreaterThan(10);
    expect(csv).toBe(expected.csv);
    expect(file.size).toBe(Buffer.byteLength(csv));

    const retrieved = await v1('GET', `/v1/files/${file.id}`);
    expect(retrieved.body).toEqual(file);
  });

  it('takes lists in bracket syntax, with [] or with indices as the Stripe SDKs send them', async () => {
    const interval = `parameters[interval_start]=${unix(march.start)}&parameters[interval_end]=${unix(march.end)}`;
    const appended = await v1(
      'POST',
      '/v1/reporting/report_runs',
      `report_type=${itemized}&${interval}&parameters[columns][]=balance_transaction_id&parameters[columns][]=gross`,
    );
    expect(appended.status, JSON.stringify(appended.body)).toBe(200);
    expect(appended.body.parameters.columns).toEqual(['balance_transaction_id', 'gross']);
    const indexed = await v1(
      'POST',
      '/v1/reporting/report_runs',
      `report_type=${itemized}&${interval}&parameters%5Bcolumns%5D%5B1%5D=gross&parameters%5Bcolumns%5D%5B0%5D=balance_transaction_id`,
    );
    expect(indexed.status, JSON.stringify(indexed.body)).toBe(200);
    expect(indexed.body.parameters.columns).toEqual(['balance_transaction_id', 'gross']);
    const run = await waitForV1(indexed.body.id);
    const contents = await v1('GET', `/v1/files/${run.body.result.id}/contents`);
    const csv = await download(contents.headers.get('location')!);
    expect(csv.split('\n')[0]).toBe('balance_transaction_id,gross');
  });

  it('lists runs newest first with limit, starting_after, ending_before and created bounds', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const created = await v1(
        'POST',
        '/v1/reporting/report_runs',
        `report_type=balance.summary.1&parameters[interval_start]=${unix(march.start)}&parameters[interval_end]=${unix(march.end)}`,
      );
      ids.push(created.body.id);
    }
    const newestThree = [...ids].reverse();
    const first = await v1('GET', '/v1/reporting/report_runs?limit=2');
    expect(first.body).toMatchObject({ object: 'list', url: '/v1/reporting/report_runs', has_more: true });
    expect(first.body.data.map((run: { id: string }) => run.id)).toEqual(newestThree.slice(0, 2));
    const second = await v1('GET', `/v1/reporting/report_runs?limit=1&starting_after=${newestThree[1]}`);
    expect(second.body.data.map((run: { id: string }) => run.id)).toEqual([newestThree[2]]);
    const back = await v1('GET', `/v1/reporting/report_runs?limit=5&ending_before=${newestThree[1]}`);
    expect(back.body.data.map((run: { id: string }) => run.id)).toEqual([newestThree[0]]);
    expect(back.body.has_more).toBe(false);
    const all = await v1('GET', '/v1/reporting/report_runs?limit=100');
    const oldest = all.body.data.at(-1);
    const bounded = await v1('GET', `/v1/reporting/report_runs?limit=100&created[gt]=${oldest.created - 1}&created[lte]=${oldest.created}`);
    expect(bounded.body.data.map((run: { id: string }) => run.id)).toContain(oldest.id);
    expect(bounded.body.data.every((run: { created: number }) => run.created === oldest.created)).toBe(true);
    const future = await v1('GET', `/v1/reporting/report_runs?created[gte]=${unix('2099-01-01T00:00:00Z')}`);
    expect(future.body).toMatchObject({ data: [], has_more: false });
  });

  it('lists report types with the columns they default to and the ledger they cover', async () => {
    const types = await v1('GET', '/v1/reporting/report_types');
    expect(types.status).toBe(200);
    expect(types.body.data.map((type: { id: string }) => type.id)).toContain('balance.summary.1');
    const summary = await v1('GET', '/v1/reporting/report_types/balance.summary.1');
    expect(summary.body).toMatchObject({ id: 'balance.summary.1', object: 'reporting.report_type', version: 1, livemode: false });
    expect(summary.body.default_columns.length).toBeGreaterThan(0);
    const { rows } = await fixture.db.pool.query<{ first: Date }>('SELECT min(created) AS first FROM dataset.balance_transactions');
    expect(summary.body.data_available_start).toBe(Math.floor(rows[0]!.first.getTime() / 1000));
    expect(summary.body.data_available_end).toBeGreaterThanOrEqual(summary.body.data_available_start);
  });
});

describe("Stripe's own SDK against the v1 face", () => {
  it('creates, retrieves, lists runs and report types, and retrieves the file', async () => {
    const stripe = stripeClient();
    const created = await stripe.reporting.reportRuns.create({
      report_type: itemized,
      parameters: { interval_start: unix(march.start), interval_end: unix(march.end), columns: ['balance_transaction_id', 'currency'] },
    });
    expect(created.id).toMatch(/^frr_/);
    expect(created.parameters.columns).toEqual(['balance_transaction_id', 'currency']);
    const done = await waitFor(() => stripe.reporting.reportRuns.retrieve(created.id), (run) => run.status !== 'pending', { timeoutMs: 120_000 });
    expect(done.status).toBe('succeeded');
    expect(done.result?.purpose).toBe('finance_report_run');
    const file = await stripe.files.retrieve(done.result!.id);
    expect(file.size).toBe(done.result!.size);

    const listed = await stripe.reporting.reportRuns.list({ limit: 1 });
    expect(listed.data[0]!.id).toBe(created.id);
    const seen: string[] = [];
    for await (const run of stripe.reporting.reportRuns.list({ limit: 2, created: { gte: created.created } })) seen.push(run.id);
    expect(seen).toContain(created.id);
    const type = await stripe.reporting.reportTypes.retrieve('payouts.itemized.1');
    expect(type.name).toBeTruthy();
    expect((await stripe.reporting.reportTypes.list()).data.length).toBeGreaterThan(1);
  });

  it("raises Stripe's typed errors, naming the parameter", async () => {
    const stripe = stripeClient();
    const unknownParameter = await stripe.reporting.reportRuns
      .create({ report_type: itemized, parameters: { interval_start: unix(march.start), interval_end: unix(march.end), payout: 'po_1' } })
      .catch((error: unknown) => error);
    expect(unknownParameter).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(unknownParameter).toMatchObject({ statusCode: 400, param: 'parameters[payout]', type: 'StripeInvalidRequestError' });

    const missing = await stripe.reporting.reportRuns
      .create({ report_type: itemized, parameters: { interval_start: unix(march.start) } })
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ statusCode: 400, param: 'parameters[interval_end]', code: 'parameter_missing' });

    const notFound = await stripe.reporting.reportRuns.retrieve('frr_00000000000000000000000000').catch((error: unknown) => error);
    expect(notFound).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(notFound).toMatchObject({ statusCode: 404 });

    const badKey = await stripeClient('rr_test_unknown').reporting.reportRuns.list().catch((error: unknown) => error);
    expect(badKey).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe("Airplane's run API, as its SDKs call it", () => {
  it('executes a task, reports Queued or Active then Succeeded, and gives the output with a fresh URL', async () => {
    const executed = await airplane(
      'POST',
      '/v0/tasks/execute',
      { slug: itemized, paramValues: { interval_start: march.start, interval_end: unix(march.end), currency: 'usd' } },
      { 'idempotency-key': 'airplane-execute-1', 'x-team-id': fixture.teamId },
    );
    expect(executed.status, JSON.stringify(executed.body)).toBe(200);
    expect(executed.body).toEqual({ runID: expect.stringMatching(/^reprun_/), isCached: false });
    const runID = executed.body.runID as string;

    // The SDKs retry with the same Idempotency-Key: the same run, not a second one.
    const replayed = await airplane(
      'POST',
      '/v0/tasks/execute',
      { slug: itemized, paramValues: { interval_start: march.start, interval_end: unix(march.end), currency: 'usd' } },
      { 'idempotency-key': 'airplane-execute-1' },
    );
    expect(replayed.body.runID).toBe(runID);

    const first = await airplane('GET', `/v0/runs/get?id=${runID}`);
    expect(first.status).toBe(200);
    expect(['Queued', 'Active', 'Succeeded']).toContain(first.body.status);
    const run = await waitFor(() => airplane('GET', `/v0/runs/get?id=${runID}`), (response) => ['Succeeded', 'Failed', 'Cancelled'].includes(response.body.status), { timeoutMs: 120_000 });
    expect(run.body).toMatchObject({
      id: runID,
      taskID: itemized,
      paramValues: { interval_start: march.start, interval_end: march.end, currency: 'usd' },
      status: 'Succeeded',
      createdBy: fixture.apiKeyId,
      teamID: fixture.teamId,
      timeout: expect.any(Number),
      isPrivate: false,
      runtime: 'standard',
      cancelledAt: null,
      failedAt: null,
    });
    expect(run.body.params.map((param: { slug: string }) => param.slug)).toEqual(
      expect.arrayContaining(['interval_start', 'interval_end', 'currency', 'columns']),
    );
    expect(Date.parse(run.body.activeAt)).toBeLessThanOrEqual(Date.parse(run.body.succeededAt));
    expect(Date.parse(run.body.createdAt)).toBeLessThanOrEqual(Date.parse(run.body.activeAt));

    const outputs = await airplane('GET', `/v0/runs/getOutputs?id=${runID}`);
    expect(outputs.body.output).toMatchObject({ contentType: 'text/csv', format: 'csv' });
    expect(Date.parse(outputs.body.output.expiresAt)).toBeGreaterThan(Date.now());
    const csv = await download(outputs.body.output.url);
    const expected = await expectedItemizedCsv(fixture.db.pool, march.start, march.end, 'usd');
    expect(csv).toBe(expected.csv);
    expect(outputs.body.output.rows).toBe(expected.rows);
    expect(outputs.body.output.size).toBe(Buffer.byteLength(csv));
  });

  it('cancels a run once; a finished run is 409, and its output stays null', async () => {
    const executed = await airplane('POST', '/v0/tasks/execute', { slug: 'balance.summary.1', paramValues: { interval_start: march.start, interval_end: march.end } });
    const runID = executed.body.runID as string;
    const canceled = await airplane('POST', '/v0/runs/cancel', { runID });
    // The worker may already have finished so small a run; either way the answer is definite.
    if (canceled.status === 200) {
      expect(canceled.body).toMatchObject({ id: runID, status: 'Cancelled', cancelledBy: fixture.apiKeyId });
      expect((await airplane('GET', `/v0/runs/getOutputs?id=${runID}`)).body).toEqual({ output: null });
    } else expect(canceled.status).toBe(409);
    const again = await airplane('POST', '/v0/runs/cancel', { runID });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('lists runs of a task, newest first, in numbered pages', async () => {
    const runIDs: string[] = [];
    for (let index = 0; index < 3; index += 1) {
      const executed = await airplane('POST', '/v0/tasks/execute', { slug: 'payouts.itemized.1', paramValues: { interval_start: march.start, interval_end: march.end } });
      runIDs.push(executed.body.runID);
    }
    const newest = [...runIDs].reverse();
    const page0 = await airplane('GET', '/v0/runs/list?taskID=payouts.itemized.1&limit=2');
    expect(page0.body.runs.map((run: { id: string }) => run.id)).toEqual(newest.slice(0, 2));
    expect(page0.body.hasMore).toBe(true);
    const page1 = await airplane('GET', '/v0/runs/list?taskID=payouts.itemized.1&limit=2&page=1');
    expect(page1.body.runs.map((run: { id: string }) => run.id)).toEqual(newest.slice(2));
    expect(page1.body.hasMore).toBe(false);
    expect(page0.body.runs.every((run: { taskID: string }) => run.taskID === 'payouts.itemized.1')).toBe(true);
  });

  it("another team's X-Team-ID and another team's run are 404; a missing key is 401", async () => {
    const executed = await airplane('POST', '/v0/tasks/execute', { slug: 'balance.summary.1', paramValues: { interval_start: march.start, interval_end: march.end } });
    const foreignTeam = await airplane('GET', `/v0/runs/get?id=${executed.body.runID}`, undefined, { 'x-team-id': fixture.otherTeamId });
    expect(foreignTeam.status).toBe(404);
    const foreignKey = await airplane('GET', `/v0/runs/get?id=${executed.body.runID}`, undefined, { 'x-airplane-api-key': fixture.otherTeamKey });
    expect(foreignKey.status).toBe(404);
    const response = await fetch(`${fixture.api.url}/v0/runs/get?id=${executed.body.runID}`);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('one run, every face', () => {
  it('a run created on any face is the same run on the others, with the same file', async () => {
    const v2 = (await fixture.client.createRun({ report: itemized, report_parameters: { interval_start: march.start, interval_end: march.end } })).id;
    const v1Created = await v1('POST', '/v1/reporting/report_runs', `report_type=${itemized}&parameters[interval_start]=${unix(march.start)}&parameters[interval_end]=${unix(march.end)}`);
    const v0Created = await airplane('POST', '/v0/tasks/execute', { slug: itemized, paramValues: { interval_start: march.start, interval_end: march.end } });
    const runIds = [v2, (v1Created.body.id as string).replace('frr_', 'reprun_'), v0Created.body.runID as string];
    expect(new Set(runIds).size).toBe(3);

    const expected = await expectedItemizedCsv(fixture.db.pool, march.start, march.end);
    for (const runId of runIds) {
      const v2Run: ReportRunResource = await fixture.client.waitUntilEnded(runId, { timeoutMs: 120_000 });
      expect(v2Run.status).toBe('succeeded');
      const v1Run = await v1('GET', `/v1/reporting/report_runs/${runId.replace('reprun_', 'frr_')}`);
      const v0Run = await airplane('GET', `/v0/runs/get?id=${runId}`);
      expect(v1Run.body).toMatchObject({
        report_type: itemized,
        status: 'succeeded',
        created: Math.floor(Date.parse(v2Run.created) / 1000),
        succeeded_at: Math.floor(Date.parse(v2Run.succeeded_at!) / 1000),
        parameters: { interval_start: unix(march.start), interval_end: unix(march.end) },
        result: { size: v2Run.result!.file!.size },
      });
      expect(v0Run.body).toMatchObject({
        id: runId,
        taskID: itemized,
        status: 'Succeeded',
        createdAt: v2Run.created,
        succeededAt: v2Run.succeeded_at,
        createdBy: fixture.apiKeyId,
        teamID: fixture.teamId,
      });
      const outputs = await airplane('GET', `/v0/runs/getOutputs?id=${runId}`);
      const viaV1 = await v1('GET', `/v1/files/${runId.replace('reprun_', 'file_')}/contents`);
      const files = await Promise.all([
        download(v2Run.result!.file!.download_url.url),
        download(outputs.body.output.url),
        download(viaV1.headers.get('location')!),
      ]);
      expect(files).toEqual([expected.csv, expected.csv, expected.csv]);
    }
    // Stored once: three runs, not nine.
    expect(await fixture.db.prisma.reportRun.count({ where: { id: { in: runIds } } })).toBe(3);
  });
});
