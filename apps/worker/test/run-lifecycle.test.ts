import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { createStorageFromConfig, listObjectKeys, runResultPrefix } from '@reportrun/storage';
import { lockLedger as lockLedgerOf, defaultRunBody, useTestFixture, waitFor } from '@reportrun/testing';
import { useWorkerProcesses } from './worker-processes.ts';

const fixture = useTestFixture({
  database,
  team: 'Lifecycle team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 5_000);
  },
  api: true,
});
const { call, getRun } = fixture.client;

// Short locks and checks so crash recovery happens in seconds, not the production 30 s.
const startWorker = useWorkerProcesses(fixture, {
  LOG_LEVEL: 'info',
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_STATUS_CHECK_MS: '500',
  // A killed worker's run is retaken once its lease lapses.
  WORKER_LEASE_SECONDS: '3',
});

const createRun = async (resultOptions?: { compress_file: boolean }): Promise<string> =>
  (await fixture.client.createRun({ ...defaultRunBody, ...(resultOptions ? { result_options: resultOptions } : {}) })).id;

const ended = (run: ReportRunResource) => run.status !== 'running';

const lockLedger = () => lockLedgerOf(fixture.environment.config.DATABASE_URL);

async function runningCopyPids(): Promise<number[]> {
  const { rows } = await fixture.db.pool.query<{ pid: number; state: string }>(
    `SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`,
  );
  if (process.env.DEBUG_COPY) process.stdout.write(`copy backends: ${JSON.stringify(rows)}\n`);
  return rows.map((row) => row.pid);
}

async function jobState(id: string): Promise<string> {
  const redis = createRedisConnection(fixture.environment.config, 'worker');
  const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
  try {
    return await queue.getJobState(id);
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

async function objectsUnder(prefix: string): Promise<string[]> {
  const storage = createStorageFromConfig(fixture.environment.config);
  try {
    return await listObjectKeys(storage, prefix);
  } finally {
    storage.s3.destroy();
  }
}

describe('cancel', () => {
  it('stops a run while its COPY is executing: the query is gone from Postgres and nothing is left in the bucket', async () => {
    await startWorker();
    const lock = await lockLedger();
    try {
      const id = await createRun();
      await waitFor(runningCopyPids, (pids) => pids.length === 1);
      const started = Date.now();
      const canceled = await call('POST', `/v2/reporting/report_runs/${id}/cancel`);
      expect(canceled.status).toBe(200);
      expect(canceled.body).toMatchObject({ id, status: 'canceled', canceled_by: expect.stringMatching(/^key_/) });
      expect(typeof canceled.body.canceled_at).toBe('string');
      await waitFor(runningCopyPids, (pids) => pids.length === 0, { timeoutMs: 10_000 });
      const stopMs = Date.now() - started;
      expect(await objectsUnder(runResultPrefix(fixture.teamId, id))).toEqual([]);
      expect((await getRun(id)).status).toBe('canceled');
      process.stdout.write(`cancel stopped the COPY in ${stopMs} ms\n`);
    } finally {
      await lock.release();
    }
  });

  it('a canceled run never becomes succeeded, even after the data unblocks', async () => {
    await startWorker();
    const lock = await lockLedger();
    const id = await createRun();
    await waitFor(runningCopyPids, (pids) => pids.length === 1);
    expect((await call('POST', `/v2/reporting/report_runs/${id}/cancel`)).status).toBe(200);
    await lock.release();
    // Once the job is finished in the queue, the worker's attempt is over: any write it could
    // still make (a late "succeeded") has been made or refused.
    await waitFor(() => jobState(id), (state) => ['completed', 'failed', 'unknown'].includes(state));
    const run = await getRun(id);
    expect(run.status).toBe('canceled');
    expect(run.result).toBeNull();
    expect(await objectsUnder(runResultPrefix(fixture.teamId, id))).toEqual([]);
  });

  it('a queued run is canceled before any worker starts it, and its job is dropped', async () => {
    const id = await createRun();
    const canceled = await call('POST', `/v2/reporting/report_runs/${id}/cancel`);
    expect(canceled.body.status).toBe('canceled');
    const redis = createRedisConnection(fixture.environment.config, 'worker');
    const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
    try {
      expect(await queue.getJob(id)).toBeUndefined();
    } finally {
      await queue.close();
      redis.disconnect();
    }
    await startWorker();
    // A run queued after it ends only once the worker has been taking jobs: had the canceled
    // run's job survived, the worker would have started that one first.
    await fixture.client.waitUntilEnded(await createRun());
    const run = await getRun(id);
    expect(run.status).toBe('canceled');
    expect(run.active_at).toBeNull();
  });

  it('canceling a finished run is 409 problem+json with allowed actions', async () => {
    await startWorker();
    const id = await createRun();
    await waitFor(() => getRun(id), ended);
    const again = await call('POST', `/v2/reporting/report_runs/${id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'run_not_cancelable', status: 409, run_status: 'succeeded' });
    expect(again.body.allowed_actions).toEqual(
      expect.arrayContaining([expect.objectContaining({ rel: 'self', method: 'GET', href: `/v2/reporting/report_runs/${id}` })]),
    );
  });
});

describe('timeouts, retries and crashes', () => {
  it('a run that exceeds its time limit fails with code timeout and its query is stopped', async () => {
    await startWorker({ RUN_TIMEOUT_SECONDS_MAX: '2' });
    const lock = await lockLedger();
    try {
      const id = await createRun();
      const run = await waitFor(() => getRun(id), ended, { timeoutMs: 20_000 });
      expect(run.status).toBe('failed');
      expect(run.status_details).toMatchObject({ code: 'timeout', retryable: false });
      expect(run.attempts).toBe(1);
      await waitFor(runningCopyPids, (pids) => pids.length === 0, { timeoutMs: 5_000 });
    } finally {
      await lock.release();
    }
  });

  it('a run created with its own timeout_seconds is held to it; one above the deployment cap is capped, an absurd one refused', async () => {
    await startWorker();
    const capped = await call('POST', '/v2/reporting/report_runs', {
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
      timeout_seconds: 10_000_000,
    });
    expect(capped.status).toBe(400);
    expect(capped.body).toMatchObject({ code: 'parameter_invalid', param: 'timeout_seconds' });
    const long = await call('POST', '/v2/reporting/report_runs', {
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
      timeout_seconds: 100_000,
    });
    expect(long.body.timeout_seconds).toBe(fixture.environment.config.RUN_TIMEOUT_SECONDS_MAX);
    const lock = await lockLedger();
    try {
      const { body } = await call('POST', '/v2/reporting/report_runs', {
        report: 'balance_change_from_activity.itemized.1',
        report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' },
        timeout_seconds: 1,
      });
      expect(body.timeout_seconds).toBe(1);
      const run = await waitFor(() => getRun(body.id as string), ended, { timeoutMs: 20_000 });
      expect(run.status_details).toMatchObject({ code: 'timeout', retryable: false });
    } finally {
      await lock.release();
    }
  });

  it('a lost database connection is retried and the run still succeeds, counting its attempts', async () => {
    await startWorker();
    const lock = await lockLedger();
    let id: string;
    try {
      id = await createRun();
      const [pid] = await waitFor(runningCopyPids, (pids) => pids.length === 1);
      await fixture.db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await lock.release();
    }
    const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expect(run.attempts).toBe(2);
    expect(run.result!.file!.rows).toBe(5_000);
  });

  it('an unreachable storage server is a transient fault: the run is retried and succeeds once storage is back', async () => {
    const cutOff = await startWorker({ S3_ENDPOINT: 'http://127.0.0.1:1' });
    const id = await createRun();
    // Any failed attempt waiting for its retry will do: on a busy machine, polling can miss the
    // first one while the backoff has already moved on to the next.
    const waiting = await waitFor(() => getRun(id), (run) => run.attempts >= 1 && run.status_details.stage === 'queued', {
      timeoutMs: 20_000,
      intervalMs: 20,
    });
    expect(waiting.status).toBe('running');
    await cutOff.stop('SIGKILL');
    await startWorker();
    const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expect(run.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a permanent failure fails at once with a stable code', async () => {
    await startWorker();
    await fixture.db.pool.query('ALTER TABLE dataset.balance_transactions RENAME TO balance_transactions_hidden');
    try {
      const id = await createRun();
      const run = await waitFor(() => getRun(id), ended);
      expect(run.status).toBe('failed');
      expect(run.status_details).toMatchObject({ code: 'query_failed', retryable: false });
      expect(run.attempts).toBe(1);
    } finally {
      await fixture.db.pool.query('ALTER TABLE dataset.balance_transactions_hidden RENAME TO balance_transactions');
    }
  });

  it('a worker killed with SIGKILL mid-export has its run finished by another worker', async () => {
    const doomed = await startWorker();
    const lock = await lockLedger();
    let id: string;
    let killedAt: number;
    try {
      id = await createRun();
      await waitFor(runningCopyPids, (pids) => pids.length === 1);
      expect((await getRun(id)).status_details).toMatchObject({ stage: 'querying' });
      await doomed.stop('SIGKILL');
      killedAt = Date.now();
      await startWorker();
    } finally {
      await lock.release();
    }
    const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
    const recoveryMs = Date.now() - killedAt;
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expect(run.attempts).toBe(2);
    expect(run.result!.file!.rows).toBe(5_000);
    process.stdout.write(`run recovered ${recoveryMs} ms after its worker was killed\n`);
  });

  for (const compress of [false, true]) {
    it(`SIGTERM drains${compress ? ' (ZIP)' : ''}: a run still going after the grace period returns to the queue without spending an attempt, and another worker finishes it`, async () => {
      const draining = await startWorker({ WORKER_SHUTDOWN_GRACE_MS: '1000' });
      const lock = await lockLedger();
      let id: string;
      try {
        id = await createRun({ compress_file: compress });
        await waitFor(runningCopyPids, (pids) => pids.length === 1);
        await draining.stop('SIGTERM');
        expect(draining.child.exitCode, draining.output()).toBe(0);
        expect(draining.output()).toContain('returning the run to the queue');
        const waiting = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });
        expect(waiting).toMatchObject({ status: 'running', attempts: 0, leaseOwner: null, statusDetails: { stage: 'queued' } });
        await waitFor(runningCopyPids, (pids) => pids.length === 0, { timeoutMs: 5_000 });
        await startWorker();
      } finally {
        await lock.release();
      }
      const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
      expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
      // Only the attempt that finished counts; the drained one was given back.
      expect(run.attempts).toBe(1);
      expect(run.result!.file!.content_type).toBe(compress ? 'zip' : 'csv');
    });
  }
});
