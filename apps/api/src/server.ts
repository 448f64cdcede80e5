import type { Server } from 'node:http';
import type { Config, Logger } from '@reportrun/config';
import { createApiKeyAuthenticator, createDatabase, createPool, recordApiKeyUse } from '@reportrun/db';
import { createMetrics, createReadiness, type Readiness } from '@reportrun/observability';
import { createRedisConnection, createReportRunQueue, readQueueDepth } from '@reportrun/queue';
import { createRunWatcher, type RunWatcher } from '@reportrun/status';
import { openStorageZones } from '@reportrun/runner';
import { checkBucket, createStorageFromConfig } from '@reportrun/storage';
import { createApp } from './app.ts';

export interface RunningApi {
  server: Server;
  url: string;
  /** What open event streams watch; `listeners` counts them. */
  runWatcher: RunWatcher;
  /** `startDraining()` turns /readyz to 503 before the server closes. */
  readiness: Readiness;
  close(): Promise<void>;
}

export async function startApiServer(config: Config, logger: Logger): Promise<RunningApi> {
  const db = createDatabase(config.DATABASE_URL);
  const redis = createRedisConnection(config, 'producer');
  const queue = createReportRunQueue(redis, config.QUEUE_PREFIX);
  const storage = createStorageFromConfig(config);
  const reportingPool = createPool(config.REPORTS_DATABASE_URL, { max: 5, application_name: 'reportrun-api-reports' });
  const runWatcher = createRunWatcher(db.prisma, {
    intervalMs: config.EVENTS_POLL_INTERVAL_MS,
    onError: (error) => logger.warn({ err: error }, 'could not read watched runs'),
  });
  const storageZones = openStorageZones(db.prisma, storage);
  const metrics = createMetrics({ queueCounts: () => readQueueDepth(queue) });
  const readiness = createReadiness({
    postgres: () => db.prisma.$queryRaw`SELECT 1`,
    // The producer connection fails fast (no offline queue), so a lost Redis answers at once.
    redis: () => redis.ping(),
    storage: (signal) => checkBucket(storage, signal),
  });
  const apiKeys = createApiKeyAuthenticator({
    pool: db.pool,
    connectionString: config.DATABASE_URL,
    // When a key was last used is bookkeeping: the request neither waits on it nor fails with it.
    recordUse: (keyId, now) =>
      recordApiKeyUse(db.prisma, keyId, now).catch((error: unknown) => logger.warn({ err: error, keyId }, 'could not record API key use')),
    onListenerError: (error) => logger.warn({ err: error }, 'API key change listener lost; looking keys up on every request until it is back'),
  });
  const app = createApp({ config, logger, prisma: db.prisma, pool: db.pool, apiKeys, queue, redis, storage, storageZones, reportingPool, runWatcher, metrics, readiness });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.PORT, config.HOST, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const url = `http://${config.HOST}:${port}`;
  logger.info({ url }, 'api listening');
  return {
    server,
    url,
    runWatcher,
    readiness,
    async close() {
      // Event streams stay open until their run ends; closing the watcher ends them now.
      runWatcher.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await queue.close();
      redis.disconnect();
      await apiKeys.close();
      await db.close();
      await reportingPool.end();
      storage.s3.destroy();
    },
  };
}
