import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedQuerySchema } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createSavedReport, seedLedger } from '@reportrun/db';
import { resolveSavedQuery } from '@reportrun/reports';
import {
  createRedisConnection,
  createReportRunQueue,
  enqueueReportRun,
  QueueUnavailable,
} from '@reportrun/queue';
import { createReportRun } from '@reportrun/status';
import {
  deleteRedisKeys,
  startScheduler,
  startWorker,
  useTestFixture,
  waitFor,
  type ServiceProcess,
} from '@reportrun/testing';
import { ended, itemizedReport, lockLedger, wholeLedgerNormalized } from './service-stack.ts';

// Workers: two processes of two slots each. Scheduler: a pass every half second, and a grace
// period long enough for runs that were mid-COPY at the flush to finish on their own first.
const workerSlots = 2 * 2;
const schedulerEnv = { RECONCILE_INTERVAL_SECONDS: '0.5', RECONCILE_GRACE_SECONDS: '3' };

const fixture = useTestFixture({ database, team: 'Recovery team', seed: (db) => seedLedger(db.pool, 5_000), api: true });
const { client } = fixture;
const services: ServiceProcess[] = [];

beforeAll(async () => {
  const env = fixture.environment.env;
  // The processes compile and connect side by side; the fixture's API is already up.
  services.push(
    ...(await Promise.all([
      startWorker({ ...env, WORKER_CONCURRENCY: '2' }),
      startWorker({ ...env, WORKER_CONCURRENCY: '2' }),
      startScheduler({ ...env, ...schedulerEnv }),
    ])),
  );
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
});

const readRuns = (ids: string[]) =>
  fixture.db.prisma.reportRun.findMany({
    where: { id: { in: ids } },
    select: { id: true, status: true, activeAt: true, requeueCount: true, attempts: true, statusDetails: true },
  });

async function expectDownloadable(id: string): Promise<void> {
  const run = await client.getRun(id);
  expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
  const download = await fetch(run.result!.file!.download_url.url);
  expect(download.status, `download of ${id}`).toBe(200);
  await download.arrayBuffer();
}

describe('the reconciler puts runs back in the queue when their jobs are lost', () => {
  it('every run still ends in a terminal state after the queue loses its keys under a dozen in-flight runs', async () => {
    const ledger = await lockLedger(fixture.environment.config.DATABASE_URL);
    try {
      const created = await Promise.all(Array.from({ length: 12 }, () => client.createRun()));
      const ids = created.map((run) => run.id);
      // The ledger lock holds the first runs inside their COPY: some runs active, the rest queued.
      await waitFor(
        () => readRuns(ids),
        (runs) => runs.filter((run) => run.activeAt).length === workerSlots,
      );
      const atFlush = await readRuns(ids);
      const queuedAtFlush = atFlush.filter((run) => !run.activeAt).map((run) => run.id);

      // What a Redis restart without persistence does to this deployment (and only to it).
      const flushedAt = Date.now();
      await deleteRedisKeys(fixture.environment.env.REDIS_URL!, fixture.environment.config.QUEUE_PREFIX);
      // Keep the exports blocked until the reconciler has re-enqueued every queued run: by then
      // it has also looked at the runs mid-COPY (older than its grace, jobs gone, leases live).
      await waitFor(
        () => readRuns(queuedAtFlush),
        (runs) => runs.every((run) => run.requeueCount >= 1),
        { timeoutMs: 30_000 },
      );
      await ledger.release();

      const finished = await waitFor(
        () => readRuns(ids),
        (runs) => runs.every(ended),
        {
          timeoutMs: 30_000,
          intervalMs: 50,
        },
      );
      const recoveryMs = Date.now() - flushedAt;

      expect(finished.map((run) => run.status)).toEqual(ids.map(() => 'succeeded'));
      // The runs mid-COPY at the flush kept their leases: the reconciler left them to their
      // workers, so no run had a second attempt started beside its first.
      expect(finished.map((run) => run.attempts)).toEqual(ids.map(() => 1));
      const exportingAtFlush = finished.filter((run) => !queuedAtFlush.includes(run.id));
      expect(exportingAtFlush.map((run) => run.requeueCount)).toEqual(exportingAtFlush.map(() => 0));
      // The queued runs' jobs were gone, so only a re-enqueue can have finished them.
      for (const run of finished.filter((run) => queuedAtFlush.includes(run.id))) {
        expect(run.requeueCount, run.id).toBeGreaterThanOrEqual(1);
      }
      for (const id of ids) await expectDownloadable(id);
      process.stdout.write(
        `recovery after the queue lost its keys: ${ids.length} runs (${workerSlots} mid-COPY, ` +
          `${queuedAtFlush.length} queued) all succeeded ${recoveryMs} ms after the flush ` +
          `(grace ${schedulerEnv.RECONCILE_GRACE_SECONDS} s, pass every ${schedulerEnv.RECONCILE_INTERVAL_SECONDS} s)\n`,
      );
    } finally {
      await ledger.release();
    }
  });

  it('a run whose enqueue failed is re-enqueued and succeeds', async () => {
    // The API inserted the run, then could not reach Redis and died before it could say so.
    const run = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: itemizedReport,
      reportName: 'Balance change from activity, itemized',
      reportParameters: wholeLedgerNormalized,
      resultOptions: { compress_file: false },
      timeoutSeconds: 600,
      createdBy: fixture.apiKeyId,
    });
    const unreachable = createRedisConnection('redis://127.0.0.1:1', 'producer');
    const deadQueue = createReportRunQueue(unreachable, fixture.environment.config.QUEUE_PREFIX);
    try {
      await expect(enqueueReportRun(deadQueue, run.id, { timeoutMs: 500 })).rejects.toBeInstanceOf(
        QueueUnavailable,
      );
    } finally {
      unreachable.disconnect();
    }
    const createdAt = run.createdAt.getTime();

    const finished = await waitFor(() => client.getRun(run.id), ended, { timeoutMs: 20_000 });
    const recoveryMs = Date.now() - createdAt;
    expect(finished.status, JSON.stringify(finished.status_details)).toBe('succeeded');
    expect(finished.attempts).toBe(1);
    await expectDownloadable(run.id);
    const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored.requeueCount).toBe(1);
    process.stdout.write(`a run that was never enqueued succeeded ${recoveryMs} ms after it was created\n`);
  });

  it('a saved-report run whose job is lost is re-enqueued and succeeds', async () => {
    const saved = await createSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, {
      name: 'Ledger by currency',
      definition: resolveSavedQuery(
        savedQuerySchema.parse({
          dataset: 'balance_transactions',
          time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
          dimensions: [{ field: 'currency' }],
          measures: [{ aggregate: 'count' }],
        }),
      ).normalized,
    });
    // Recorded, but its job never reached the queue (or the queue lost it).
    const run = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: saved.id,
      reportName: saved.name,
      reportParameters: {},
      resultOptions: { compress_file: false },
      timeoutSeconds: 600,
      createdBy: fixture.apiKeyId,
    });
    const finished = await waitFor(() => client.getRun(run.id), ended, { timeoutMs: 20_000 });
    expect(finished.status, JSON.stringify(finished.status_details)).toBe('succeeded');
    await expectDownloadable(run.id);
    expect((await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } })).requeueCount).toBe(1);
  });
});
