import type pg from 'pg';
import type { Config, Logger } from '@reportrun/config';
import type { ApiKeyAuthenticator, PrismaClient } from '@reportrun/db';
import type { RedisConnection, ReportRunQueue } from '@reportrun/queue';
import type { ReportRunMetrics, Readiness } from '@reportrun/observability';
import type { RunWatcher } from '@reportrun/status';
import type { Storage, StorageZones } from '@reportrun/storage';

export interface ApiDependencies {
  config: Config;
  logger: Logger;
  prisma: PrismaClient;
  /**
   * The pool Prisma runs on. What every request does (idempotency keys) queries it directly,
   * skipping Prisma's per-query work.
   */
  pool: pg.Pool;
  /** Resolves API keys, from memory while key changes are heard (see createApiKeyAuthenticator). */
  apiKeys: ApiKeyAuthenticator;
  queue: ReportRunQueue;
  /** The fail-fast producer connection the queue also uses; the rate limiter counts on it. */
  redis: RedisConnection;
  /** The service's own bucket. */
  storage: Storage;
  /** A run's bucket: the service's, or the zone stamped on the run. */
  storageZones: StorageZones;
  /** Where synchronous saved-report queries run (REPORTS_DATABASE_URL). */
  reportingPool: pg.Pool;
  /** Reads the runs open event streams watch, for all of them at once. */
  runWatcher: RunWatcher;
  metrics: ReportRunMetrics;
  /** Whether Postgres, Redis and storage answer; false once the process drains. */
  readiness: Readiness;
}
