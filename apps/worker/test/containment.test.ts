import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import { createApiKey, createDatabase, createTeam, seedLedger, type Database } from '@reportrun/db';
import {
  createTestEnvironment,
  lockLedger,
  startApi,
  startWorker,
  waitFor,
  type ServiceProcess,
  type TestEnvironment,
} from '@reportrun/testing';

// One worker process serves every test in this file: each fault below used to kill it, so the
// file proves the same process survives all of them and still finishes a run afterwards.
let environment: TestEnvironment;
let db: Database;
let api: ServiceProcess;
let worker: ServiceProcess;
let apiUrl: string;
let apiKey: string;

// Large enough (tens of MB of CSV) that an export streams for a while after its query starts.
const ledgerRows = 300_000;

beforeAll(async () => {
  environment = await createTestEnvironment();
  db = createDatabase(environment.config.DATABASE_URL);
  await seedLedger(db.pool, ledgerRows);
  const teamId = (await createTeam(db.prisma, 'Containment team')).id;
  apiKey = (await createApiKey(db.prisma, { teamId, livemode: false, name: 'containment' })).secret;
  [{ service: api, url: apiUrl }, worker] = await Promise.all([
    startApi(environment.env),
    startWorker({
      ...environment.env,
      WORKER_CONCURRENCY: '2',
      WORKER_LOCK_DURATION_MS: '3000',
      WORKER_STALLED_INTERVAL_MS: '1000',
      WORKER_STATUS_CHECK_MS: '500',
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await environment?.cleanup();
});

type Format = 'csv' | 'json' | 'zip';

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function createRun(format: Format, extra: Record<string, unknown> = {}): Promise<string> {
  const { status, body } = await call('POST', '/v2/reporting/report_runs', {
    report: 'balance_change_from_activity.itemized.1',
    report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' },
    result_options: format === 'zip' ? { compress_file: true } : { format },
    ...extra,
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body.id as string;
}

const getRun = async (id: string) => (await call('GET', `/v2/reporting/report_runs/${id}`)).body as unknown as ReportRunResource;
const ended = (run: ReportRunResource) => run.status !== 'running';

async function copyBackends(): Promise<number[]> {
  const { rows } = await db.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`,
  );
  return rows.map((row) => row.pid);
}

/**
 * Starts a run and returns once its file is streaming into storage: the ledger lock holds the
 * COPY until the run is seen in Postgres, then rows flow and the run reports `uploading`.
 */
async function runMidExport(format: Format, extra: Record<string, unknown> = {}): Promise<{ id: string; pid: number }> {
  const lock = await lockLedger(environment.config.DATABASE_URL);
  let id: string;
  let pid: number;
  try {
    id = await createRun(format, extra);
    [pid] = (await waitFor(copyBackends, (pids) => pids.length === 1, { intervalMs: 20 })) as [number];
  } finally {
    await lock.release();
  }
  await waitFor(
    () => db.prisma.reportRun.findUniqueOrThrow({ where: { id }, select: { statusDetails: true } }),
    (run) => (run.statusDetails as { stage?: string }).stage === 'uploading',
    { intervalMs: 10, timeoutMs: 20_000 },
  );
  return { id, pid };
}

function expectWorkerAlive(): void {
  expect(worker.child.exitCode, worker.output().slice(-4000)).toBeNull();
  expect(worker.child.signalCode).toBeNull();
}

describe('a run failing mid-export fails only that run, never the worker process', () => {
  it('canceling a running ZIP run stops it, and the worker keeps serving', async () => {
    const { id } = await runMidExport('zip');
    expect((await call('POST', `/v2/reporting/report_runs/${id}/cancel`)).status).toBe(200);
    await waitFor(copyBackends, (pids) => pids.length === 0, { timeoutMs: 10_000 });
    await worker.waitForOutput(new RegExp(`"runId":"${id}"[^\\n]*report run canceled`));
    expect((await getRun(id)).status).toBe('canceled');
    expectWorkerAlive();
  });

  it('a ZIP run with timeout_seconds 1 fails as timeout, and the worker keeps serving', async () => {
    const { id } = await runMidExport('zip', { timeout_seconds: 1 });
    const run = await waitFor(() => getRun(id), ended, { timeoutMs: 20_000 });
    expect(run.status, JSON.stringify(run.status_details)).toBe('failed');
    expect(run.status_details).toMatchObject({ code: 'timeout', retryable: false });
    await waitFor(copyBackends, (pids) => pids.length === 0, { timeoutMs: 10_000 });
    expectWorkerAlive();
  });

  for (const format of ['csv', 'json', 'zip'] as const) {
    it(`the reporting connection terminated mid-export (${format}) is retried and the run succeeds`, async () => {
      const { id, pid } = await runMidExport(format);
      await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
      const run = await waitFor(() => getRun(id), ended, { timeoutMs: 60_000 });
      expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
      expect(run.attempts).toBe(2);
      expect(run.result!.file!.rows).toBe(ledgerRows);
      expectWorkerAlive();
    });
  }

  it('after every fault above, the same worker process still finishes a new run', async () => {
    const id = await createRun('zip', {
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-08T00:00:00Z' },
    });
    const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expectWorkerAlive();
    expect(worker.output()).not.toMatch(/uncaught|unhandled/i);
  });
});
