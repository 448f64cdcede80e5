import { Worker } from 'bullmq';
import type { Config, Logger } from '@reportrun/config';
import { createDatabase, createPool } from '@reportrun/db';
import { createRedisConnection, reportRunQueueName, type ReportRunJob } from '@reportrun/queue';
import { createStorageFromConfig } from '@reportrun/storage';
import { createReportRunProcessor } from './process-report-run.ts';

export interface RunningWorker {
  worker: Worker<ReportRunJob>;
  /** Stops taking jobs, lets active ones finish, and closes every connection. */
  close(): Promise<void>;
}

export async function startReportRunWorker(config: Config, logger: Logger): Promise<RunningWorker> {
  const db = createDatabase(config.DATABASE_URL, { max: 4 });
  const reportingPool = createPool(config.REPORTS_DATABASE_URL, {
    max: config.WORKER_CONCURRENCY,
    application_name: 'reportrun-worker',
  });
  const storage = createStorageFromConfig(config);
  const connection = createRedisConnection(config.REDIS_URL, 'worker');
  const worker = new Worker<ReportRunJob>(
    reportRunQueueName,
    createReportRunProcessor({ prisma: db.prisma, reportingPool, storage, logger, config }),
    {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      // A worker that dies loses its lock within lockDuration; the stalled-job check then
      // hands the run to another worker.
      lockDuration: 30_000,
      stalledInterval: 15_000,
      maxStalledCount: 2,
    },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));
  await worker.waitUntilReady();
  logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'worker ready');
  return {
    worker,
    async close() {
      await worker.close();
      await connection.quit().catch(() => {});
      await reportingPool.end();
      await db.close();
      storage.s3.destroy();
    },
  };
}
