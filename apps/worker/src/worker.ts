import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Config, Logger } from '@reportrun/config';
import { createDatabase, createPool } from '@reportrun/db';
import { createMetrics, createReadiness, type Readiness, type ReportRunMetrics } from '@reportrun/observability';
import {
  createRedisConnection,
  createReportRunQueue,
  readQueueDepth,
  reportRunQueueName,
  subscribeRunCancels,
  type ReportRunJob,
} from '@reportrun/queue';
import { checkBucket, createStorageFromConfig } from '@reportrun/storage';
import { openStorageZones } from '@reportrun/runner';
import { createReportRunProcessor } from './process-report-run.ts';
import { ActiveRuns } from './run-abort.ts';

export interface WorkerTuning {
  /** A dead worker's job is considered stalled after this long without a lock renewal. */
  lockDurationMs: number;
  stalledIntervalMs: number;
  statusCheckIntervalMs: number;
  /** Progress (stage, rows, bytes) is written at most this often while a run exports. */
  progressIntervalMs: number;
  /** On shutdown, how long active runs may keep going before they return to the queue. */
  shutdownGraceMs: number;
}

export interface RunningWorker {
  worker: Worker<ReportRunJob>;
  activeRuns: ActiveRuns;
  /** What this worker's /metrics serves: its runs, and the queue's depth read at scrape time. */
  metrics: ReportRunMetrics;
  /** Postgres, Redis and storage reachable; the process entry point starts draining it on SIGTERM. */
  readiness: Readiness;
  /**
   * Stops taking jobs and gives active runs the grace period; runs still going after it are
   * stopped and returned to the queue. Then closes every connection.
   */
  close(): Promise<void>;
}

export interface WorkerStartOptions {
  /**
   * Called once the metrics and readiness exist, before the worker waits for Redis: the entry
   * point starts its probe listener here, so that during a Redis outage at boot /livez answers
   * and /readyz names Redis instead of the pod failing its startup probe.
   */
  onProbes?: (probes: { metrics: ReportRunMetrics; readiness: Readiness }) => Promise<void>;
}

export async function startReportRunWorker(
  config: Config,
  logger: Logger,
  tuning: WorkerTuning = workerTuningOf(config),
  options: WorkerStartOptions = {},
): Promise<RunningWorker> {
  const db = createDatabase(config.DATABASE_URL, { max: 4 });
  // One connection per concurrent run, plus one to cancel statements with.
  const reportingPool = createPool(config.REPORTS_DATABASE_URL, {
    max: config.WORKER_CONCURRENCY + 1,
    application_name: 'reportrun-worker',
    // A fresh connection per checkout is opened inside the run that asked for it, so its socket's
    // errors carry that run's context (see process-guard.ts); an export dwarfs the connect cost.
    maxUses: 1,
  });
  const storage = createStorageFromConfig(config);
  const connection = createRedisConnection(config, 'worker');
  const subscriber = createRedisConnection(config, 'worker');
  const activeRuns = new ActiveRuns();
  // Only read from (job counts for the depth gauge); the worker connection waits out a Redis
  // outage, which the gauge's own timeout bounds.
  const queue = createReportRunQueue(connection, config.QUEUE_PREFIX);
  const metrics = createMetrics({ queueCounts: () => readQueueDepth(queue) });
  const readiness = createReadiness({
    postgres: () => db.prisma.$queryRaw`SELECT 1`,
    redis: () => connection.ping(),
    storage: (signal) => checkBucket(storage, signal),
  });
  await options.onProbes?.({ metrics, readiness });
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const unsubscribe = await subscribeRunCancels(subscriber, config.QUEUE_PREFIX, (runId) => {
    if (activeRuns.abort(runId, { kind: 'canceled' })) logger.info({ runId }, 'cancel requested');
  });
  const worker = new Worker<ReportRunJob>(
    reportRunQueueName,
    createReportRunProcessor({
      prisma: db.prisma,
      reportingPool,
      storageZones: openStorageZones(db.prisma, storage),
      logger,
      config,
      activeRuns,
      statusCheckIntervalMs: tuning.statusCheckIntervalMs,
      progressIntervalMs: tuning.progressIntervalMs,
      workerId,
      metrics,
    }),
    {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      lockDuration: tuning.lockDurationMs,
      stalledInterval: tuning.stalledIntervalMs,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  await worker.waitUntilReady();
  logger.info({ concurrency: config.WORKER_CONCURRENCY, workerId }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    worker,
    activeRuns,
    metrics,
    readiness,
    close() {
      closing ??= (async () => {
        const grace = setTimeout(() => {
          const stopped = activeRuns.abortAll({ kind: 'shutdown' });
          if (stopped > 0) logger.warn({ runs: stopped }, 'grace period over; returning runs to the queue');
        }, tuning.shutdownGraceMs);
        try {
          await worker.close();
        } finally {
          clearTimeout(grace);
        }
        await queue.close().catch(() => {});
        await unsubscribe();
        subscriber.disconnect();
        await connection.quit().catch(() => {});
        await reportingPool.end();
        await db.close();
        storage.s3.destroy();
      })();
      return closing;
    },
  };
}

/** The worker's tuning from its validated configuration (tests shorten it; operators rarely need to). */
export function workerTuningOf(
  config: Pick<Config, 'WORKER_LOCK_DURATION_MS' | 'WORKER_STALLED_INTERVAL_MS' | 'WORKER_STATUS_CHECK_MS' | 'WORKER_SHUTDOWN_GRACE_MS'>,
): WorkerTuning {
  return {
    lockDurationMs: config.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
    statusCheckIntervalMs: config.WORKER_STATUS_CHECK_MS,
    // Not a setting: progress is written at most once a second, always.
    progressIntervalMs: 1_000,
    shutdownGraceMs: config.WORKER_SHUTDOWN_GRACE_MS,
  };
}
