import type { Config, Logger } from '@reportrun/config';
import { createDatabase, deleteExpiredIdempotencyKeys, listStorageZones, type PrismaClient } from '@reportrun/db';
import { createMetrics, createReadiness, type Readiness, type ReportRunMetrics } from '@reportrun/observability';
import { createRedisConnection, createReportRunQueue, readQueueDepth } from '@reportrun/queue';
import { fireDueSchedules, firingSettingsFrom } from '@reportrun/schedules';
import { openStorageZones } from '@reportrun/runner';
import { renderReportRun } from '@reportrun/status';
import { checkBucket, createStorageFromConfig, type Storage, type StorageZones } from '@reportrun/storage';
import { deleteEventsBefore, sendDueWebhooks, type SenderSettings } from '@reportrun/webhooks';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { cleanUpOrphans, type OrphanCleanupSettings } from './orphan-cleanup.ts';
import { startPeriodicTask } from './periodic-task.ts';
import { reconcileRuns, type ReconcilerSettings } from './reconciler.ts';
import { expireResults, type RetentionSettings } from './result-retention.ts';

/** How long closing waits for a pass in progress before cutting the Redis connection. */
const closeGraceMs = 5_000;

export interface RunningScheduler {
  /** Reconciler actions and the queue's depth, for the scheduler's /metrics. */
  metrics: ReportRunMetrics;
  /** Postgres, Redis and storage reachable; the entry point starts draining it on SIGTERM. */
  readiness: Readiness;
  /** Stops every loop after its current pass and closes every connection. */
  close(): Promise<void>;
}

export function reconcilerSettingsFrom(config: Config): ReconcilerSettings {
  return {
    graceSeconds: config.RECONCILE_GRACE_SECONDS,
    maxRequeues: config.RECONCILE_MAX_REQUEUES,
    timeoutMarginSeconds: config.RECONCILE_TIMEOUT_MARGIN_SECONDS,
    runTimeoutSecondsMax: config.RUN_TIMEOUT_SECONDS_MAX,
  };
}

export function retentionSettingsFrom(config: Config): RetentionSettings {
  return { retentionSeconds: config.RESULT_RETENTION_SECONDS };
}

export { firingSettingsFrom };

export function webhookSenderSettingsFrom(config: Config): SenderSettings {
  return {
    retry: {
      baseSeconds: config.WEBHOOK_RETRY_BASE_SECONDS,
      maxDelaySeconds: config.WEBHOOK_RETRY_MAX_DELAY_SECONDS,
      windowSeconds: config.WEBHOOK_RETRY_WINDOW_SECONDS,
    },
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    allowPrivateUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    owner: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
  };
}

export function orphanCleanupSettingsFrom(config: Config): OrphanCleanupSettings {
  return { graceSeconds: config.ORPHAN_GRACE_SECONDS };
}

/**
 * Starts the reconciler, the retention sweep (result files and old events), the webhook sender,
 * the orphan cleanup and the idempotency-key sweep,
 * each on its own interval. The loops keep their state in Postgres (and the reconciler reads
 * Redis afresh on every pass) rather than in BullMQ repeatable jobs, because the reconciler
 * exists to repair a Redis that lost its keys. Running several schedulers is safe: every action
 * is a compare-and-set on the run, or an abort or delete of something no live attempt owns.
 */
export async function startScheduler(config: Config, logger: Logger): Promise<RunningScheduler> {
  const db = createDatabase(config.DATABASE_URL, { max: 3, application_name: 'reportrun-scheduler' });
  // The worker role waits out a Redis outage instead of failing each command: a pass started
  // while Redis is away simply finishes once it is back.
  const redis = createRedisConnection(config, 'worker');
  const queue = createReportRunQueue(redis, config.QUEUE_PREFIX);
  const storage = createStorageFromConfig(config);
  const storageZones = openStorageZones(db.prisma, storage);
  const metrics = createMetrics({ queueCounts: () => readQueueDepth(queue) });
  const readiness = createReadiness({
    postgres: () => db.prisma.$queryRaw`SELECT 1`,
    redis: () => redis.ping(),
    storage: (signal) => checkBucket(storage, signal),
  });
  const reconcilerSettings = reconcilerSettingsFrom(config);
  const retentionSettings = retentionSettingsFrom(config);
  const orphanCleanupSettings = orphanCleanupSettingsFrom(config);

  const webhookSettings = webhookSenderSettingsFrom(config);

  const firingSettings = firingSettingsFrom(config);
  // Schedules fire from Postgres alone (see @reportrun/schedules): the loop sleeps until the
  // earliest next_run_time it knows, at most the poll interval, so new and changed schedules
  // are seen within it.
  const firing = startPeriodicTask({
    name: 'schedule-firing',
    intervalMs: config.SCHEDULE_POLL_INTERVAL_MS,
    logger,
    pass: async () => {
      const summary = await fireDueSchedules({ prisma: db.prisma, queue, logger }, firingSettings);
      for (const slot of summary.fired) {
        logger.info(
          {
            scheduleId: slot.scheduleId,
            slot: slot.scheduledAt.toISOString(),
            kind: slot.kind,
            runs: slot.runIds.length,
            delayMs: Date.now() - slot.scheduledAt.getTime(),
          },
          'schedule fired',
        );
      }
      return summary.nextDueAt ? summary.nextDueAt.getTime() - Date.now() : undefined;
    },
  });
  const reconciler = startPeriodicTask({
    name: 'reconcile',
    intervalMs: config.RECONCILE_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const started = Date.now();
      const summary = await reconcileRuns({ prisma: db.prisma, queue, logger }, reconcilerSettings);
      if (summary.requeued > 0) metrics.reconcilerActions.inc({ action: 'requeued', code: '' }, summary.requeued);
      for (const [code, count] of Object.entries(summary.failed)) metrics.reconcilerActions.inc({ action: 'failed', code }, count);
      const acted = summary.requeued > 0 || Object.keys(summary.failed).length > 0;
      logger[acted ? 'info' : 'debug']({ ...summary, ms: Date.now() - started }, 'reconcile pass');
    },
  });
  const retention = startPeriodicTask({
    name: 'retention',
    intervalMs: config.RETENTION_SWEEP_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const summary = await expireResults({ prisma: db.prisma, storageZones, logger }, retentionSettings);
      const eventsDeleted = await deleteEventsBefore(
        db.prisma,
        new Date(Date.now() - config.EVENT_RETENTION_SECONDS * 1000),
      );
      logger[summary.expired + summary.failed + eventsDeleted > 0 ? 'info' : 'debug'](
        { ...summary, eventsDeleted },
        'retention sweep',
      );
    },
  });
  // Webhooks go out from here rather than from the API or the workers: the outbox rows are
  // written with the state change, so whichever process changed the run may die at once.
  const webhookSender = startPeriodicTask({
    name: 'webhook-sender',
    intervalMs: config.WEBHOOK_DELIVERY_INTERVAL_MS,
    logger,
    pass: async () => {
      const summary = await sendDueWebhooks(
        {
          prisma: db.prisma,
          logger,
          renderRun: (run) => renderReportRun(storageZones, run, config.DOWNLOAD_URL_TTL_SECONDS),
        },
        webhookSettings,
      );
      // A full batch may mean more are due: look again at once.
      return summary.succeeded + summary.retrying + summary.gaveUp >= (webhookSettings.batchSize ?? 20) ? 0 : undefined;
    },
  });
  const orphanCleanup = startPeriodicTask({
    name: 'orphan-cleanup',
    intervalMs: config.ORPHAN_CLEANUP_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const started = Date.now();
      // The service's bucket and every team zone's: a crash leaves leftovers wherever it wrote.
      for (const { zoneId, storage: swept } of await sweptStorages(db.prisma, storage, storageZones, logger)) {
        const summary = await cleanUpOrphans({ prisma: db.prisma, storage: swept, logger }, orphanCleanupSettings);
        const acted =
          summary.uploadsAborted + summary.objectsDeleted + summary.failed + summary.interrupted.length > 0;
        logger[acted ? 'info' : 'debug']({ ...summary, zoneId, ms: Date.now() - started }, 'orphan cleanup pass');
      }
    },
  });
  const idempotencySweep = startPeriodicTask({
    name: 'idempotency-sweep',
    intervalMs: config.IDEMPOTENCY_SWEEP_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const deleted = await deleteExpiredIdempotencyKeys(db.prisma);
      logger[deleted > 0 ? 'info' : 'debug']({ deleted }, 'idempotency key sweep');
    },
  });
  logger.info(
    {
      reconcileIntervalSeconds: config.RECONCILE_INTERVAL_SECONDS,
      ...reconcilerSettings,
      retentionSeconds: retentionSettings.retentionSeconds,
      retentionSweepIntervalSeconds: config.RETENTION_SWEEP_INTERVAL_SECONDS,
      orphanCleanupIntervalSeconds: config.ORPHAN_CLEANUP_INTERVAL_SECONDS,
      orphanGraceSeconds: orphanCleanupSettings.graceSeconds,
      idempotencySweepIntervalSeconds: config.IDEMPOTENCY_SWEEP_INTERVAL_SECONDS,
      webhookDeliveryIntervalMs: config.WEBHOOK_DELIVERY_INTERVAL_MS,
    },
    'scheduler ready',
  );

  let closing: Promise<void> | undefined;
  return {
    metrics,
    readiness,
    close() {
      closing ??= (async () => {
        const stopping = Promise.all(
          [firing, reconciler, retention, webhookSender, orphanCleanup, idempotencySweep].map((task) => task.stop()),
        );
        // A pass waiting for an absent Redis would never end: give passes a moment to finish,
        // then cut the connection, which fails whatever is still waiting on it.
        const pause = new Promise((resolve) => setTimeout(resolve, closeGraceMs).unref());
        await Promise.race([stopping, pause]);
        await queue.close().catch(() => {});
        redis.disconnect();
        await stopping;
        await db.close();
        storage.s3.destroy();
      })();
      return closing;
    },
  };
}

/**
 * The buckets the orphan cleanup visits: the service's own, then each zone's. A zone whose
 * credentials this process lacks is skipped with a warning rather than stopping the others.
 */
async function sweptStorages(
  prisma: PrismaClient,
  storage: Storage,
  storageZones: StorageZones,
  logger: Logger,
): Promise<{ zoneId: string | null; storage: Storage }[]> {
  const swept: { zoneId: string | null; storage: Storage }[] = [{ zoneId: null, storage }];
  for (const zone of await listStorageZones(prisma)) {
    try {
      swept.push({ zoneId: zone.id, storage: await storageZones.storageFor(zone.id) });
    } catch (error) {
      logger.warn({ err: error, zoneId: zone.id }, 'cannot sweep a storage zone');
    }
  }
  return swept;
}
