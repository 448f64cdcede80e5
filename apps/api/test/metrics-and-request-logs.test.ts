import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import {
  lockLedger,
  metricsUrlOf,
  metricValue,
  scrapeMetrics,
  startApi,
  useTestFixture,
  waitFor,
  type MetricSample,
} from '@reportrun/testing';
import { expectProblem } from './api-fixtures.ts';

const ledgerRows = 5_000;

const fixture = useTestFixture({
  database,
  team: 'Observed team',
  seed: async (db) => {
    await database.seedLedger(db.pool, ledgerRows);
  },
  // The API signs download links for `localhost` while every process writes through
  // 127.0.0.1: the public host differs from the one the workers use, as in a cluster.
  api: async (environment) => {
    const { service, url } = await startApi({
      ...environment.env,
      S3_PUBLIC_ENDPOINT: environment.env.S3_ENDPOINT!.replace('127.0.0.1', 'localhost'),
      LOG_LEVEL: 'info',
    });
    return { url, service, close: () => service.stop() };
  },
  // A short lease, so even a short run renews it.
  worker: { WORKER_LEASE_SECONDS: '0.6', WORKER_STATUS_CHECK_MS: '300' },
});
const { call, createRun, waitUntilEnded } = fixture.client;

const interval = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };
const report = 'balance_change_from_activity.itemized.1';
const ended = (run: ReportRunResource) => run.status !== 'running';

const workerMetrics = async () => scrapeMetrics(await metricsUrlOf(fixture.worker));
const apiOutput = () => fixture.api.service!.output();

describe('metrics after real runs', () => {
  it('a succeeded CSV run moves the run counters, histograms and exported rows and bytes of its report and format', async () => {
    const before = await workerMetrics();
    const created = await createRun({ report, report_parameters: interval });
    const run = await waitUntilEnded(created.id);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const file = run.result!.file!;
    // Counters are updated as the attempt settles, a moment after the run's row is written.
    const after = await waitFor(
      workerMetrics,
      (samples) =>
        metricValue(samples, 'reportrun_runs_finished_total', {
          report,
          format: 'csv',
          outcome: 'succeeded',
        }) >
        metricValue(before, 'reportrun_runs_finished_total', { report, format: 'csv', outcome: 'succeeded' }),
    );
    const moved = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(moved('reportrun_runs_started_total', { report, format: 'csv' })).toBe(1);
    expect(moved('reportrun_runs_finished_total', { report, format: 'csv', outcome: 'succeeded' })).toBe(1);
    expect(
      moved('reportrun_run_duration_seconds_count', { report, format: 'csv', outcome: 'succeeded' }),
    ).toBe(1);
    expect(
      moved('reportrun_run_duration_seconds_sum', { report, format: 'csv', outcome: 'succeeded' }),
    ).toBeGreaterThan(0);
    expect(moved('reportrun_run_time_in_queue_seconds_count', { report })).toBe(1);
    expect(moved('reportrun_rows_exported_total', { report, format: 'csv' })).toBe(file.rows);
    expect(moved('reportrun_bytes_exported_total', { report, format: 'csv' })).toBe(file.size);
    expect(moved('reportrun_run_failures_total', {})).toBe(0);
    // The queue depth, read from BullMQ at scrape time, has every state.
    for (const state of ['waiting', 'active', 'delayed', 'failed']) {
      expect(
        after.some((sample) => sample.name === 'reportrun_queue_jobs' && sample.labels.state === state),
        state,
      ).toBe(true);
    }
    // Default process metrics come along.
    expect(metricValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('a run failing on its time limit counts as a final failure by its code, and its lease was renewed while it ran', async () => {
    const before = await workerMetrics();
    // The ledger lock holds the run's query past its one-second limit.
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    let run: ReportRunResource;
    try {
      const created = await createRun({ report, report_parameters: interval, timeout_seconds: 1 });
      run = await waitFor(() => fixture.client.getRun(created.id), ended, { timeoutMs: 20_000 });
    } finally {
      await lock.release();
    }
    expect(run.status_details).toMatchObject({ code: 'timeout' });
    const after = await waitFor(
      workerMetrics,
      (samples) =>
        metricValue(samples, 'reportrun_runs_finished_total', { outcome: 'failed' }) >
        metricValue(before, 'reportrun_runs_finished_total', { outcome: 'failed' }),
    );
    const moved = (name: string, labels: Record<string, string>) =>
      metricValue(after, name, labels) - metricValue(before, name, labels);
    expect(moved('reportrun_run_failures_total', { code: 'timeout', final: 'true' })).toBe(1);
    expect(moved('reportrun_runs_finished_total', { report, format: 'csv', outcome: 'failed' })).toBe(1);
    expect(moved('reportrun_run_duration_seconds_count', { report, format: 'csv', outcome: 'failed' })).toBe(
      1,
    );
    expect(moved('reportrun_rows_exported_total', {})).toBe(0);
    // Renewed every 0.2 s over the second the run lasted.
    expect(moved('reportrun_lease_renewals_total', { result: 'renewed' })).toBeGreaterThan(0);
  });

  it('the API times requests by route template and status, never by raw path', async () => {
    const created = await createRun({ report, report_parameters: interval });
    expect((await call('GET', `/v2/reporting/report_runs/${created.id}`)).status).toBe(200);
    expect((await call('GET', '/v2/reporting/report_runs/reprun_doesnotexist')).status).toBe(404);
    const samples = await scrapeMetrics(fixture.api.url);
    const route = '/v2/reporting/report_runs/:id';
    expect(
      metricValue(samples, 'reportrun_http_request_duration_seconds_count', {
        method: 'GET',
        route,
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(samples, 'reportrun_http_request_duration_seconds_count', {
        method: 'GET',
        route,
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      metricValue(samples, 'reportrun_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v2/reporting/report_runs',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(1);
    const routes = new Set(
      samples
        .filter((sample: MetricSample) => sample.name.startsWith('reportrun_http_'))
        .map((sample) => sample.labels.route),
    );
    for (const label of routes) expect(label).not.toMatch(/reprun_/);
    expect(samples.some((sample) => sample.name === 'reportrun_queue_jobs')).toBe(true);
  });
});

describe('probes', () => {
  it('the API and the worker are live and ready while Postgres, Redis and storage answer', async () => {
    const workerUrl = await metricsUrlOf(fixture.worker);
    for (const base of [fixture.api.url, workerUrl]) {
      const live = await fetch(`${base}/livez`);
      expect(live.status).toBe(200);
      expect(await live.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status, base).toBe(200);
      expect(await ready.json()).toEqual({
        status: 'ready',
        checks: { postgres: 'ok', redis: 'ok', storage: 'ok' },
      });
    }
    // The older health path stays, for monitors that use it.
    expect((await fetch(`${fixture.api.url}/healthz`)).status).toBe(200);
    await expectProblem(await fetch(`${workerUrl}/nothing-here`), 404, 'route_not_found');
  });
});

describe('download links for the public storage host', () => {
  it('are signed for S3_PUBLIC_ENDPOINT while the worker wrote through S3_ENDPOINT, and download', async () => {
    const created = await createRun({ report, report_parameters: interval });
    const run = await waitUntilEnded(created.id);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const url = new URL(run.result!.file!.download_url.url);
    const internal = new URL(fixture.environment.env.S3_ENDPOINT!);
    expect(url.hostname).toBe('localhost');
    expect(url.port).toBe(internal.port);
    expect(internal.hostname).toBe('127.0.0.1');
    // The loopback server checks the signature, host included.
    const download = await fetch(url);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(run.result!.file!.size);
    // Signed for the public host, the same link does not work under the internal one.
    const internalUrl = new URL(url);
    internalUrl.hostname = '127.0.0.1';
    expect((await fetch(internalUrl)).status).toBe(403);
  });
});

describe('request logs', () => {
  it('echo a sane X-Request-Id, replace an unusable one, and log one line per request without secrets', async () => {
    const idempotencyKey = `idem-${Math.random().toString(36).slice(2)}-secret`;
    const kept = await call(
      'POST',
      '/v2/reporting/report_runs',
      { report, report_parameters: interval },
      {
        headers: { 'x-request-id': 'trace-0123456789abcdef', 'idempotency-key': idempotencyKey },
      },
    );
    expect(kept.status).toBe(200);
    expect(kept.headers.get('x-request-id')).toBe('trace-0123456789abcdef');

    const replaced = await call('GET', '/v2/reporting/report_runs', undefined, {
      headers: { 'x-request-id': 'not ok <script>' },
    });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const generated = await call('GET', '/v2/reporting/reports');
    const generatedId = generated.headers.get('x-request-id')!;
    expect(generatedId).toMatch(/^[0-9a-f-]{36}$/);

    // A succeeded run read through Stripe's v1 face redirects to a presigned URL.
    const run = await waitUntilEnded(kept.body.id as string);
    expect(run.status).toBe('succeeded');
    // Stripe's v1 face names the run's file `file_x` for the run `reprun_x`.
    const fileReference = run.id.replace('reprun_', 'file_');
    const redirect = await fetch(
      `${fixture.api.url}/v1/files/${fileReference}/contents?api_key_hint=abc&X-Amz-Signature=deadbeef`,
      {
        headers: { authorization: `Bearer ${fixture.apiKey}` },
        redirect: 'manual',
      },
    );
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(/X-Amz-Signature=/);

    const line = await waitFor(
      async () =>
        apiOutput()
          .split('\n')
          .filter((text) => text.includes('"reqId"') || text.includes('"req":')),
      (lines) => lines.some((text) => text.includes(`/v1/files/${fileReference}/contents`)),
    );
    const lineOf = (id: string) => line.filter((text) => text.includes(`"id":"${id}"`));
    expect(lineOf('trace-0123456789abcdef')).toHaveLength(1);
    expect(lineOf(generatedId)).toHaveLength(1);
    const logged = JSON.parse(lineOf(generatedId)[0]!) as {
      req: { method: string; url: string };
      res: { statusCode: number };
      route: string;
      responseTime: number;
    };
    expect(logged).toMatchObject({
      req: { method: 'GET', url: '/v2/reporting/reports' },
      res: { statusCode: 200 },
      route: '/v2/reporting/reports',
    });

    const everything = apiOutput();
    expect(everything).not.toContain(fixture.apiKey);
    expect(everything).not.toContain(idempotencyKey);
    expect(everything).not.toContain('deadbeef');
    expect(everything).not.toMatch(/X-Amz-Signature=[0-9a-f]/);
    expect(everything).not.toMatch(/X-Amz-Credential=[A-Za-z0-9]/);
  });
});
