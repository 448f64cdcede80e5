import { UnrecoverableError, Worker } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { createSavedReport, deleteSavedReport, type ReportRun } from '@reportrun/db';
import {
  createRedisConnection,
  createReportRunQueue,
  enqueueReportRun,
  reportRunQueueName,
  type ReportRunQueue,
} from '@reportrun/queue';
import {
  createReportRun,
  markRunCanceled,
  markRunFailed,
  succeedAttempt,
  startAttempt,
} from '@reportrun/status';
import { savedQuerySchema } from '@reportrun/core';
import { resolveSavedQuery } from '@reportrun/reports';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { reconcileRuns, type ReconcilerSettings } from '../src/index.ts';
import { itemizedReport, lapseLease, startAttempts, wholeLedgerNormalized } from './service-stack.ts';

// No worker runs in this file: each test arranges the database and the queue as a failure
// would leave them, runs one reconciler pass in-process, and reads what it did.
let redis: ReturnType<typeof createRedisConnection>;
let queue: ReportRunQueue;

const settings: ReconcilerSettings = {
  graceSeconds: 60,
  maxRequeues: 2,
  timeoutMarginSeconds: 30,
  runTimeoutSecondsMax: 3600,
};
const runTimeoutSeconds = 120;

const fixture = useTestFixture({ database, team: 'Reconciler team' });

beforeAll(() => {
  redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'worker');
  queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
});

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
});

const reconcile = () =>
  reconcileRuns({ prisma: fixture.db.prisma, queue, logger: createLogger('reconciler-test', 'silent') }, settings);

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

/** A run as the API creates it, then aged: created `ageMinutes` ago, with no job in the queue. */
async function runWithoutJob(ageMinutes: number, reportId = itemizedReport): Promise<ReportRun> {
  const run = await createReportRun(fixture.db.prisma, {
    teamId: fixture.teamId,
    livemode: false,
    reportId,
    reportName: 'Balance change from activity, itemized',
    reportParameters: wholeLedgerNormalized,
    resultOptions: { compress_file: false },
    timeoutSeconds: runTimeoutSeconds,
    createdBy: 'key_reconciler_test',
  });
  return fixture.db.prisma.reportRun.update({ where: { id: run.id }, data: { createdAt: minutesAgo(ageMinutes) } });
}

const readRun = (id: string) => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });
const jobState = (id: string) => queue.getJobState(id);

describe('the reconciler re-enqueues runs whose job is lost', () => {
  it('puts a running run with no job back in the queue, once', async () => {
    const run = await runWithoutJob(5);
    const summary = await reconcile();
    expect(summary.requeued).toBeGreaterThanOrEqual(1);
    expect(await jobState(run.id)).toBe('waiting');
    expect(await readRun(run.id)).toMatchObject({
      status: 'running',
      requeueCount: 1,
      statusDetails: { stage: 'queued' },
    });
    // The job is there now: the next pass leaves the run alone.
    await reconcile();
    expect((await readRun(run.id)).requeueCount).toBe(1);
  });

  it('two schedulers reconciling at the same moment re-enqueue a lost run exactly once', async () => {
    const second = database.createDatabase(fixture.environment.config.DATABASE_URL);
    try {
      const lost = await Promise.all([runWithoutJob(5), runWithoutJob(5), runWithoutJob(5)]);
      const logger = createLogger('reconciler-test', 'silent');
      await Promise.all([
        reconcileRuns({ prisma: fixture.db.prisma, queue, logger }, settings),
        reconcileRuns({ prisma: second.prisma, queue, logger }, settings),
      ]);
      for (const run of lost) {
        expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: 1 });
        expect(await jobState(run.id)).toBe('waiting');
      }
    } finally {
      await second.close();
    }
  });

  it('replaces a job the queue gave up on while the run was still running', async () => {
    const run = await runWithoutJob(5);
    await enqueueReportRun(queue, run.id);
    // A worker that dies in every attempt leaves the job failed and the run running.
    const connection = createRedisConnection(fixture.environment.config.REDIS_URL, 'worker');
    const crashing = new Worker(
      reportRunQueueName,
      async () => {
        throw new UnrecoverableError('simulated: the worker lost its database mid-run');
      },
      { connection, prefix: fixture.environment.config.QUEUE_PREFIX },
    );
    try {
      await waitFor(
        () => jobState(run.id),
        (state) => state === 'failed',
      );
    } finally {
      await crashing.close();
      connection.disconnect();
    }
    await reconcile();
    expect(await jobState(run.id)).toBe('waiting');
    expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: 1 });
  });
});

describe('runs of saved reports are recovered like catalog runs', () => {
  const savedQuery = resolveSavedQuery(
    savedQuerySchema.parse({
      dataset: 'balance_transactions',
      time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
      dimensions: [{ field: 'currency' }],
      measures: [{ aggregate: 'count' }],
    }),
  ).normalized;

  it('a saved-report run whose job is lost is re-enqueued, not failed as report_not_found', async () => {
    const saved = await createSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, { name: 'By currency', definition: savedQuery });
    const run = await runWithoutJob(5, saved.id);
    await reconcile();
    expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: 1 });
    expect(await jobState(run.id)).toBe('waiting');
  });

  it('a saved-report run whose report was deleted fails with report_not_found', async () => {
    const saved = await createSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, { name: 'Gone', definition: savedQuery });
    const run = await runWithoutJob(5, saved.id);
    await deleteSavedReport(fixture.db.prisma, { teamId: fixture.teamId, livemode: false }, saved.id);
    await reconcile();
    expect(await readRun(run.id)).toMatchObject({ status: 'failed', statusDetails: { code: 'report_not_found' } });
  });
});

describe('the reconciler never races a worker that holds the run', () => {
  it('a run with a live lease is left alone though its job is gone; once the lease lapses it is re-enqueued', async () => {
    const run = await runWithoutJob(5);
    const start = await startAttempt(fixture.db.prisma, run.id, { owner: 'worker-a', leaseSeconds: 60, maxCrashes: 3 });
    expect(start.outcome).toBe('started');
    await reconcile();
    expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: 0, attempts: 1 });
    expect(await jobState(run.id)).toBe('unknown');

    // The worker died: its lease lapses and nobody renews it.
    await fixture.db.pool.query(`UPDATE public.report_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [run.id]);
    await reconcile();
    expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: 1 });
    expect(await jobState(run.id)).toBe('waiting');
  });
});

describe('the reconciler fails runs that can no longer finish, with a stable code', () => {
  it('a run whose report left the catalog fails with report_not_found', async () => {
    const run = await runWithoutJob(5, 'balance_change_from_activity.retired.1');
    await reconcile();
    expect(await readRun(run.id)).toMatchObject({
      status: 'failed',
      statusDetails: {
        code: 'report_not_found',
        message: "The report 'balance_change_from_activity.retired.1' is no longer in the catalog.",
        retryable: false,
      },
    });
    expect(await jobState(run.id)).toBe('unknown');
  });

  it('a started run that outlived its timeout plus the margin fails with timeout, job or no job', async () => {
    const overdue = new Date(Date.now() - (runTimeoutSeconds + settings.timeoutMarginSeconds + 5) * 1000);
    const jobLost = await runWithoutJob(10);
    const workerHung = await runWithoutJob(10);
    await enqueueReportRun(queue, workerHung.id);
    for (const run of [jobLost, workerHung]) {
      // Its worker stopped renewing: a live lease would keep the reconciler away (tested below).
      await startAttempts(fixture.db, run.id, 1);
      await lapseLease(fixture.db, run.id);
      await fixture.db.prisma.reportRun.update({ where: { id: run.id }, data: { activeAt: overdue } });
    }
    // Started recently: still within its time limit, so only re-enqueued.
    const withinLimit = await runWithoutJob(10);
    await startAttempts(fixture.db, withinLimit.id, 1);
    await lapseLease(fixture.db, withinLimit.id);

    await reconcile();
    for (const run of [jobLost, workerHung]) {
      expect(await readRun(run.id)).toMatchObject({
        status: 'failed',
        statusDetails: { code: 'timeout', retryable: false },
      });
    }
    expect(await readRun(withinLimit.id)).toMatchObject({ status: 'running', requeueCount: 1 });
  });

  it('a run that keeps losing its job fails with run_lost after RECONCILE_MAX_REQUEUES re-enqueues', async () => {
    const run = await runWithoutJob(5);
    for (let requeue = 1; requeue <= settings.maxRequeues; requeue += 1) {
      await reconcile();
      expect(await readRun(run.id)).toMatchObject({ status: 'running', requeueCount: requeue });
      expect(await queue.remove(run.id)).toBe(1); // lost again
    }
    await reconcile();
    const failed = await readRun(run.id);
    expect(failed).toMatchObject({
      status: 'failed',
      requeueCount: settings.maxRequeues,
      statusDetails: { code: 'run_lost', retryable: true },
    });
    expect(await jobState(run.id)).toBe('unknown');
  });
});

describe('the reconciler leaves alone what is not lost', () => {
  it('never touches terminal runs, fresh runs, or runs waiting in the queue', async () => {
    const succeeded = await runWithoutJob(30);
    const lease = await startAttempts(fixture.db, succeeded.id, 1);
    await succeedAttempt(fixture.db.prisma, lease, { contentType: 'csv', objectKey: 'k', size: 1, rows: 1 });
    const failed = await runWithoutJob(30);
    await markRunFailed(fixture.db.prisma, failed.id, { code: 'query_failed', message: 'm', retryable: false });
    const canceled = await runWithoutJob(30);
    await markRunCanceled(fixture.db.prisma, canceled.id, 'key_reconciler_test');
    // Younger than the grace period: the API may be about to enqueue it.
    const fresh = await runWithoutJob(0);
    // An old run still waiting for a worker: a backlog, not a lost job.
    const backlog = await runWithoutJob(30);
    await enqueueReportRun(queue, backlog.id);

    const untouched = [succeeded, failed, canceled, fresh, backlog];
    const before = await Promise.all(untouched.map((run) => readRun(run.id)));
    await reconcile();
    const after = await Promise.all(untouched.map((run) => readRun(run.id)));
    expect(after).toEqual(before);
    expect(await Promise.all(untouched.map((run) => jobState(run.id)))).toEqual([
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'waiting',
    ]);
  });
});
