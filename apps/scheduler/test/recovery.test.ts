import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savedQuerySchema } from '@reportrun/core';
import { createApiKey, createDatabase, createSavedReport, createTeam, seedLedger, type Database } from '@reportrun/db';
import { resolveSavedQuery } from '@reportrun/reports';
import {
  createRedisConnection,
  createReportRunQueue,
  enqueueReportRun,
  QueueUnavailable,
} from '@reportrun/queue';
import { createReportRun } from '@reportrun/status';
import {
  createTestEnvironment,
  deleteRedisKeys,
  spawnService,
  waitFor,
  type ServiceProcess,
  type TestEnvironment,
} from '@reportrun/testing';
import {
  apiClient,
  ended,
  itemizedReport,
  lockLedger,
  serviceDirectory,
  wholeLedgerNormalized,
  type ApiClient,
} from './service-stack.ts';

let environment: TestEnvironment;
let db: Database;
let client: ApiClient;
let teamId: string;
let apiKeyId: string;
const services: ServiceProcess[] = [];

// Workers: two processes of two slots each. Scheduler: a pass every half second, and a grace
// period long enough for runs that were mid-COPY at the flush to finish on their own first.
const workerSlots = 2 * 2;
const schedulerEnv = { RECONCILE_INTERVAL_SECONDS: '0.5', RECONCILE_GRACE_SECONDS: '3', LOG_LEVEL: 'info' };

beforeAll(async () => {
  environment = await createTestEnvironment();
  db = createDatabase(environment.config.DATABASE_URL);
  await seedLedger(db.pool, 5_000);
  teamId = (await createTeam(db.prisma, 'Recovery team')).id;
  const apiKey = await createApiKey(db.prisma, { teamId, livemode: false, name: 'recovery' });
  apiKeyId = apiKey.id;

  const start = (directory: string, env: Record<string, string>) => {
    const service = spawnService('src/main.ts', { cwd: directory, env: { ...environment.env, ...env } });
    services.push(service);
    return service;
  };
  const api = start(serviceDirectory.api, { PORT: '0' });
  const workers = [1, 2].map(() =>
    start(serviceDirectory.worker, { WORKER_CONCURRENCY: '2', LOG_LEVEL: 'info' }),
  );
  const scheduler = start(serviceDirectory.scheduler, schedulerEnv);
  const [apiUrl] = await Promise.all([
    api.waitForOutput(/REPORTRUN_API_URL=(\S+)/).then((match) => match[1]!),
    ...workers.map((worker) => worker.waitForOutput(/worker ready/)),
    scheduler.waitForOutput(/scheduler ready/),
  ]);
  client = apiClient(apiUrl, apiKey.secret);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  await db?.close();
  await environment?.cleanup();
});

const readRuns = (ids: string[]) =>
  db.prisma.reportRun.findMany({
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
    const ledger = await lockLedger(environment.config.DATABASE_URL);
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
      await deleteRedisKeys(environment.env.REDIS_URL!, environment.config.QUEUE_PREFIX);
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
    const run = await createReportRun(db.prisma, {
      teamId,
      livemode: false,
      reportId: itemizedReport,
      reportName: 'Balance change from activity, itemized',
      reportParameters: wholeLedgerNormalized,
      resultOptions: { compress_file: false },
      timeoutSeconds: 600,
      createdBy: apiKeyId,
    });
    const unreachable = createRedisConnection('redis://127.0.0.1:1', 'producer');
    const deadQueue = createReportRunQueue(unreachable, environment.config.QUEUE_PREFIX);
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
    const stored = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored.requeueCount).toBe(1);
    process.stdout.write(`a run that was never enqueued succeeded ${recoveryMs} ms after it was created\n`);
  });

  it('a saved-report run whose job is lost is re-enqueued and succeeds', async () => {
    const saved = await createSavedReport(db.prisma, { teamId, livemode: false }, {
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
    const run = await createReportRun(db.prisma, {
      teamId,
      livemode: false,
      reportId: saved.id,
      reportName: saved.name,
      reportParameters: {},
      resultOptions: { compress_file: false },
      timeoutSeconds: 600,
      createdBy: apiKeyId,
    });
    const finished = await waitFor(() => client.getRun(run.id), ended, { timeoutMs: 20_000 });
    expect(finished.status, JSON.stringify(finished.status_details)).toBe('succeeded');
    await expectDownloadable(run.id);
    expect((await db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } })).requeueCount).toBe(1);
  });
});
