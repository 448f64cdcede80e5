import type { Logger } from '@reportrun/config';
import type { PrismaClient } from '@reportrun/db';
import { markResultExpired } from '@reportrun/status';
import { deleteObject, type StorageZones } from '@reportrun/storage';

export interface RetentionDependencies {
  prisma: PrismaClient;
  /** Each result is deleted from the bucket its run names (the service's or a zone's). */
  storageZones: StorageZones;
  logger: Logger;
}

export interface RetentionSettings {
  /** For results finished without an expiry stamp: they expire at succeeded_at + this. */
  retentionSeconds: number;
  /** Runs read per query; a sweep pages through every due result. */
  batchSize?: number;
}

export interface RetentionSummary {
  expired: number;
  /** Deletions the storage refused this time; the next sweep tries them again. */
  failed: number;
}

/**
 * One retention sweep: deletes the file of every succeeded run whose result is due and records
 * on the run that its result expired. The object is deleted before the run is updated, so a
 * crash in between leaves a key the next sweep deletes again (deleting a missing object is not
 * an error in S3), never an object nobody points at.
 */
export async function expireResults(
  deps: RetentionDependencies,
  settings: RetentionSettings,
  now: Date = new Date(),
): Promise<RetentionSummary> {
  const batchSize = settings.batchSize ?? 200;
  const retentionMs = settings.retentionSeconds * 1000;
  const summary: RetentionSummary = { expired: 0, failed: 0 };
  let after: string | undefined;
  for (;;) {
    const due = await deps.prisma.reportRun.findMany({
      where: {
        status: 'succeeded',
        fileObjectKey: { not: null },
        OR: [
          { fileExpiresAt: { lte: now } },
          { fileExpiresAt: null, succeededAt: { lte: new Date(now.getTime() - retentionMs) } },
        ],
        ...(after ? { id: { gt: after } } : {}),
      },
      orderBy: { id: 'asc' },
      take: batchSize,
      select: { id: true, teamId: true, fileObjectKey: true, fileExpiresAt: true, succeededAt: true, storageZoneId: true },
    });
    if (due.length === 0) break;
    after = due.at(-1)!.id;
    for (const run of due) {
      const objectKey = run.fileObjectKey!;
      const expiredAt = run.fileExpiresAt ?? new Date(run.succeededAt!.getTime() + retentionMs);
      const log = deps.logger.child({ runId: run.id, team: run.teamId });
      try {
        await deleteObject(await deps.storageZones.storageFor(run.storageZoneId), objectKey);
      } catch (error) {
        summary.failed += 1;
        log.warn({ err: error }, 'could not delete an expired result; the next sweep tries again');
        continue;
      }
      if (await markResultExpired(deps.prisma, run.id, objectKey, expiredAt)) {
        summary.expired += 1;
        log.debug({ expiredAt: expiredAt.toISOString() }, 'result expired and deleted');
      }
    }
    if (due.length < batchSize) break;
  }
  return summary;
}
