import type { Config, Logger } from '@reportrun/config';
import { createDatabase, deleteExpiredIdempotencyKeys } from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { fireDueSchedules, firingSettingsFrom } from '@reportrun/schedules';
import { createStorageFromConfig } from '@reportrun/storage';
import { cleanUpOrphans, type OrphanCleanupSettings } from './orphan-cleanup.ts';
import { startPeriodicTask } from './periodic-task.ts';
import { reconcileRuns, type ReconcilerSettings } from './reconciler.ts';
import { expireResults, type RetentionSettings } from './result-retention.ts';

/** How long closing waits for a pass in progress before cutting the Redis connection. */
const closeGraceMs = 5_000;

export interface RunningScheduler {
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

export function orphanCleanupSettingsFrom(config: Config): OrphanCleanupSettings {
  return { graceSeconds: config.ORPHAN_GRACE_SECONDS };
}

/**
 * Starts the reconciler, the retention sweep, the orphan cleanup and the idempotency-key sweep,
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
  const reconcilerSettings = reconcilerSettingsFrom(config);
  const retentionSettings = retentionSettingsFrom(config);
  const orphanCleanupSettings = orphanCleanupSettingsFrom(config);

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
      const acted = summary.requeued > 0 || Object.keys(summary.failed).length > 0;
      logger[acted ? 'info' : 'debug']({ ...summary, ms: Date.now() - started }, 'reconcile pass');
    },
  });
  const retention = startPeriodicTask({
    name: 'retention',
    intervalMs: config.RETENTION_SWEEP_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const summary = await expireResults({ prisma: db.prisma, storage, logger }, retentionSettings);
      logger[summary.expired + summary.failed > 0 ? 'info' : 'debug'](summary, 'retention sweep');
    },
  });
  const orphanCleanup = startPeriodicTask({
    name: 'orphan-cleanup',
    intervalMs: config.ORPHAN_CLEANUP_INTERVAL_SECONDS * 1000,
    logger,
    pass: async () => {
      const started = Date.now();
      const summary = await cleanUpOrphans({ prisma: db.prisma, storage, logger }, orphanCleanupSettings);
      const acted =
        summary.uploadsAborted + summary.objectsDeleted + summary.failed + summary.interrupted.length > 0;
      logger[acted ? 'info' : 'debug']({ ...summary, ms: Date.now() - started }, 'orphan cleanup pass');
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
    },
    'scheduler ready',
  );

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        const stopping = Promise.all(
          [firing, reconciler, retention, orphanCleanup, idempotencySweep].map((task) => task.stop()),
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
