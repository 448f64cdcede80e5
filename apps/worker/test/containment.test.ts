import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue, enqueueReportRun } from '@reportrun/queue';
import { createReportRun } from '@reportrun/status';
import { defaultRunBody, lockLedger, useTestFixture, waitFor } from '@reportrun/testing';
import { resultOptionsFor, type RunFormat } from './file-formats.ts';

// One worker process serves every test in this file: each fault below used to kill it, so the
// file proves the same process survives all of them and still finishes a run afterwards.
// Large enough (tens of MB of CSV) that an export streams for a while after its query starts.
const ledgerRows = 300_000;

const fixture = useTestFixture({
  database,
  team: 'Containment team',
  seed: async (db) => {
    await database.seedLedger(db.pool, ledgerRows);
  },
  api: true,
  worker: {
    WORKER_CONCURRENCY: '2',
    WORKER_LOCK_DURATION_MS: '3000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_STATUS_CHECK_MS: '500',
  },
});
const { call, getRun } = fixture.client;

const createRun = async (format: RunFormat, extra: Record<string, unknown> = {}): Promise<string> =>
  (await fixture.client.createRun({ ...defaultRunBody, result_options: resultOptionsFor(format), ...extra })).id;

const ended = (run: ReportRunResource) => run.status !== 'running';

async function copyBackends(): Promise<number[]> {
  const { rows } = await fixture.db.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`,
  );
  return rows.map((row) => row.pid);
}

/**
 * Starts a run and returns once its file is streaming into storage: the ledger lock holds the
 * COPY until the run is seen in Postgres, then rows flow and the run reports `uploading`.
 */
async function runMidExport(format: RunFormat, extra: Record<string, unknown> = {}): Promise<{ id: string; pid: number }> {
  const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
  let id: string;
  let pid: number;
  try {
    id = await createRun(format, extra);
    [pid] = (await waitFor(copyBackends, (pids) => pids.length === 1, { intervalMs: 20 })) as [number];
  } finally {
    await lock.release();
  }
  await waitFor(
    () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id }, select: { statusDetails: true } }),
    (run) => (run.statusDetails as { stage?: string }).stage === 'uploading',
    { intervalMs: 10, timeoutMs: 20_000 },
  );
  return { id, pid };
}

function expectWorkerAlive(): void {
  expect(fixture.worker.child.exitCode, fixture.worker.output().slice(-4000)).toBeNull();
  expect(fixture.worker.child.signalCode).toBeNull();
}

describe('a run failing mid-export fails only that run, never the worker process', () => {
  it('canceling a running ZIP run stops it, and the worker keeps serving', async () => {
    const { id } = await runMidExport('zip');
    expect((await call('POST', `/v2/reporting/report_runs/${id}/cancel`)).status).toBe(200);
    await waitFor(copyBackends, (pids) => pids.length === 0, { timeoutMs: 10_000 });
    await fixture.worker.waitForOutput(new RegExp(`"runId":"${id}"[^\\n]*report run canceled`));
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
      await fixture.db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
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
    expect(fixture.worker.output()).not.toMatch(/uncaught|unhandled/i);
  });

  it('a run whose attempts keep dying (default RUN_MAX_CRASHES 3) fails as worker_crashed instead of looping', async () => {
    const run = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance_change_from_activity.itemized.1',
      reportName: 'Balance change from activity, itemized',
      reportParameters: { interval_start: '2025-01-01T00:00:00.000Z', interval_end: '2025-01-02T00:00:00.000Z' },
      resultOptions: { compress_file: true },
      timeoutSeconds: 600,
      createdBy: 'key_containment',
    });
    // What three crashed attempts leave behind: three counted crashes, and the last attempt's
    // lease, lapsed and never released.
    await fixture.db.pool.query(
      `UPDATE public.report_runs
          SET attempts = 4, crash_count = 3, lease_owner = 'gone-host:1:dead', lease_attempt = 4,
              lease_expires_at = now() - interval '1 second', active_at = now()
        WHERE id = $1`,
      [run.id],
    );
    const redis = createRedisConnection(fixture.environment.config, 'producer');
    try {
      await enqueueReportRun(createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX), run.id);
    } finally {
      redis.disconnect();
    }
    const ended = await waitFor(
      () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } }),
      (current) => current.status !== 'running',
    );
    expect(ended).toMatchObject({
      status: 'failed',
      attempts: 4,
      crashCount: 4,
      leaseOwner: null,
      statusDetails: { code: 'worker_crashed', retryable: false },
    });
    expectWorkerAlive();
  });
});
