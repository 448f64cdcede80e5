import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createStorageFromConfig, listObjectKeys, runResultPrefix } from '@reportrun/storage';
import { defaultRunBody, lockLedger as lockLedgerOf, pendingMultipartUploads, runningExportStatements, statementsWaitingOnLock, useTestFixture, waitFor } from '@reportrun/testing';
import { resultOptionsFor, type RunFormat } from './file-formats.ts';
import { useWorkerProcesses } from './worker-processes.ts';

const ledgerRows = 5_000;

const fixture = useTestFixture({
  database,
  team: 'Sharded planning team',
  seed: async (db) => {
    await database.seedLedger(db.pool, ledgerRows);
  },
  api: true,
});
const { call, getRun } = fixture.client;
// Sharding on, with a threshold the ledger is over, so every run here plans before it copies.
const startWorker = useWorkerProcesses(fixture, {
  EXPORT_SHARDS: '2',
  EXPORT_SHARD_MIN_ROWS: '100',
  LOG_LEVEL: 'info',
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_STATUS_CHECK_MS: '500',
});

const createRun = async (format: RunFormat, extra: Record<string, unknown> = {}): Promise<string> =>
  (await fixture.client.createRun({ ...defaultRunBody, result_options: resultOptionsFor(format), ...extra })).id;

const ended = (run: ReportRunResource) => run.status !== 'running';

const lockLedger = () => lockLedgerOf(fixture.environment.config.DATABASE_URL);

const waitingOnLock = (prefix: string) => statementsWaitingOnLock(fixture.db.pool, prefix);

/** The sharded export's first planning step (the bounded count), held by the ledger lock. */
const planningBlocked = () => waitingOnLock('SELECT count(*)::int AS rows');

const exportStatements = () => runningExportStatements(fixture.db.pool);

async function expectNothingStored(id: string) {
  const prefix = runResultPrefix(fixture.teamId, id);
  const storage = createStorageFromConfig(fixture.environment.config);
  try {
    expect(await listObjectKeys(storage, prefix)).toEqual([]);
  } finally {
    storage.s3.destroy();
  }
  expect(await pendingMultipartUploads(fixture.environment.config, prefix)).toEqual([]);
}

describe('a sharded run stopped while it plans ends as an unsharded one would', () => {
  for (const format of ['csv', 'json', 'zip'] as const) {
    it(`${format}: canceled while planning, its planning query is stopped at once and the run is canceled`, async () => {
      await startWorker();
      const lock = await lockLedger();
      try {
        const id = await createRun(format);
        await waitFor(planningBlocked, (blocked) => blocked === 1);
        const canceledAt = Date.now();
        expect((await call('POST', `/v2/reporting/report_runs/${id}/cancel`)).status).toBe(200);
        // Gone while the ledger is still locked: canceled, not finished once it freed up.
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 10_000, intervalMs: 20 });
        process.stdout.write(`${format}: cancel stopped the sharded planning in ${Date.now() - canceledAt} ms\n`);
        expect((await getRun(id)).status).toBe('canceled');
        await expectNothingStored(id);
      } finally {
        await lock.release();
      }
    });

    it(`${format}: out of time while planning, the run fails as timeout`, async () => {
      await startWorker();
      const lock = await lockLedger();
      try {
        const id = await createRun(format, { timeout_seconds: 1 });
        const run = await waitFor(() => getRun(id), ended, { timeoutMs: 20_000 });
        expect(run.status, JSON.stringify(run.status_details)).toBe('failed');
        expect(run.status_details).toMatchObject({ code: 'timeout', retryable: false });
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 10_000 });
        await expectNothingStored(id);
      } finally {
        await lock.release();
      }
    });

    it(`${format}: a worker told to stop while planning returns the run, and another worker finishes it`, async () => {
      const draining = await startWorker({ WORKER_SHUTDOWN_GRACE_MS: '1000' });
      const lock = await lockLedger();
      let id: string;
      try {
        id = await createRun(format);
        await waitFor(planningBlocked, (blocked) => blocked === 1);
        // Exits while the ledger is still locked: the planning query was stopped, not waited for.
        await draining.stop('SIGTERM');
        expect(draining.child.exitCode, draining.output()).toBe(0);
        expect(draining.output()).toContain('returning the run to the queue');
        expect(await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } })).toMatchObject({
          status: 'running',
          attempts: 0,
          leaseOwner: null,
        });
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 5_000 });
        await startWorker();
      } finally {
        await lock.release();
      }
      const run = await waitFor(() => getRun(id), ended, { timeoutMs: 30_000 });
      expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
      expect(run.attempts).toBe(1);
      expect(run.result!.file!.rows).toBe(ledgerRows);
      expect(run.result!.file!.content_type).toBe(format);
    });
  }
});

describe('a sharded run canceled while its shards copy ends as an unsharded one would', () => {
  for (const format of ['csv', 'json', 'zip'] as const) {
    it(`${format}: every shard's COPY is stopped and the run is canceled, with nothing stored`, async () => {
      await startWorker();
      // The later shard is held at its COPY: an exclusive lock requested while the run plans
      // queues behind the export's own share lock, and the later shard's fresh transaction
      // queues behind that request, while the first range (already holding its lock) streams.
      const lock = await lockLedger();
      const queued = new pg.Client({ connectionString: fixture.environment.config.DATABASE_URL });
      await queued.connect();
      let queuedLock: Promise<unknown> | undefined;
      try {
        const id = await createRun(format);
        await waitFor(planningBlocked, (blocked) => blocked === 1);
        await queued.query('BEGIN');
        queuedLock = queued.query('LOCK TABLE dataset.balance_transactions IN ACCESS EXCLUSIVE MODE');
        queuedLock.catch(() => {});
        await waitFor(() => waitingOnLock('LOCK TABLE'), (waiting) => waiting === 1);
        await lock.release();
        await waitFor(() => waitingOnLock('COPY ('), (waiting) => waiting === 1);
        expect((await call('POST', `/v2/reporting/report_runs/${id}/cancel`)).status).toBe(200);
        // Gone while the queued lock still holds the ledger: canceled, not left waiting.
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 10_000 });
        expect((await getRun(id)).status).toBe('canceled');
        await expectNothingStored(id);
      } finally {
        await lock.release();
        await queuedLock?.catch(() => {});
        await queued.query('ROLLBACK').catch(() => {});
        await queued.end();
      }
    });
  }
});
