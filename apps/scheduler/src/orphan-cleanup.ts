import type { Logger } from '@reportrun/config';
import type { PrismaClient } from '@reportrun/db';
import {
  abortMultipartUpload,
  deleteObjects,
  listMultipartUploads,
  listObjects,
  maxKeysPerRequest,
  parseRunResultKey,
  runResultsRoot,
  type Storage,
} from '@reportrun/storage';
import {
  decideOrphan,
  type OrphanPolicy,
  type OrphanReason,
  type RunOwningLeftover,
  type StoredLeftover,
} from './orphan-policy.ts';

export interface OrphanCleanupDependencies {
  prisma: PrismaClient;
  storage: Storage;
  logger: Logger;
}

export interface OrphanCleanupSettings extends OrphanPolicy {
  /** Keys judged per database query (one listing page at most). */
  batchSize?: number;
}

export interface OrphanCleanupSummary {
  uploadsAborted: number;
  objectsDeleted: number;
  /** Aborts and deletions the storage refused this time; the next pass tries them again. */
  failed: number;
  /** Why each removed upload or object was an orphan. */
  reasons: Partial<Record<OrphanReason, number>>;
  /** Sweeps cut short because a listing or a database read failed; the next pass redoes them. */
  interrupted: ('uploads' | 'objects')[];
}

interface Candidate<T> {
  item: T;
  leftover: StoredLeftover;
  runId: string;
}

/**
 * One cleanup pass over every run result key in the bucket: aborts pending multipart uploads
 * whose attempt is over and deletes objects no run points at, as a worker killed mid-upload, a
 * crash between upload and status change or a storage outage leaves them. `decideOrphan` makes
 * every call; this module only lists, looks runs up and removes.
 *
 * The bucket is listed before the runs are read, so each decision sees a run at least as new
 * as the key: a run seen as ended stays ended, and a result key it points at is kept.
 *
 * The two sweeps are independent: a server that cannot list uploads, or a failure halfway
 * through one sweep, does not keep the other from running.
 */
export async function cleanUpOrphans(
  deps: OrphanCleanupDependencies,
  settings: OrphanCleanupSettings,
  now: Date = new Date(),
): Promise<OrphanCleanupSummary> {
  const summary: OrphanCleanupSummary = {
    uploadsAborted: 0,
    objectsDeleted: 0,
    failed: 0,
    reasons: {},
    interrupted: [],
  };
  const sweeps = [
    ['uploads', abortOrphanedUploads],
    ['objects', deleteOrphanedObjects],
  ] as const;
  for (const [name, sweep] of sweeps) {
    try {
      await sweep(deps, settings, now, summary);
    } catch (error) {
      summary.interrupted.push(name);
      deps.logger.warn({ err: error, sweep: name }, 'orphan sweep interrupted; the next pass starts it over');
    }
  }
  return summary;
}

type Tally = Omit<OrphanCleanupSummary, 'interrupted'>;

function countReason(tally: Tally, reason: OrphanReason): void {
  tally.reasons[reason] = (tally.reasons[reason] ?? 0) + 1;
}

function batchSizeOf(settings: OrphanCleanupSettings): number {
  return Math.min(settings.batchSize ?? maxKeysPerRequest, maxKeysPerRequest);
}

async function abortOrphanedUploads(
  deps: OrphanCleanupDependencies,
  settings: OrphanCleanupSettings,
  now: Date,
  tally: Tally,
): Promise<void> {
  const batchSize = batchSizeOf(settings);
  const uploads = listMultipartUploads(deps.storage, runResultsRoot, { pageSize: batchSize });
  for await (const batch of candidateBatches(uploads, batchSize, (upload) => ({
    kind: 'upload',
    key: upload.key,
    since: upload.initiated,
  }))) {
    const runs = await readRuns(deps.prisma, batch);
    for (const { item, leftover, runId } of batch) {
      const decision = decideOrphan(leftover, runs.get(runId) ?? null, settings, now);
      if (decision.action === 'keep') continue;
      try {
        await abortMultipartUpload(deps.storage, item);
      } catch (error) {
        tally.failed += 1;
        deps.logger.warn(
          { err: error, runId, key: item.key },
          'could not abort an orphaned upload; the next pass tries again',
        );
        continue;
      }
      tally.uploadsAborted += 1;
      countReason(tally, decision.reason);
      deps.logger.debug({ runId, key: item.key, reason: decision.reason }, 'orphaned upload aborted');
    }
  }
}

async function deleteOrphanedObjects(
  deps: OrphanCleanupDependencies,
  settings: OrphanCleanupSettings,
  now: Date,
  tally: Tally,
): Promise<void> {
  const batchSize = batchSizeOf(settings);
  // Deleting while listing is safe with ListObjectsV2: its continuation token is a position in
  // key order, not an offset, so removed keys do not make the listing skip any.
  const objects = listObjects(deps.storage, runResultsRoot, { pageSize: batchSize });
  for await (const batch of candidateBatches(objects, batchSize, (object) => ({
    kind: 'object',
    key: object.key,
    since: object.lastModified,
  }))) {
    const runs = await readRuns(deps.prisma, batch);
    const doomed: { key: string; runId: string; reason: OrphanReason }[] = [];
    for (const { leftover, runId } of batch) {
      const decision = decideOrphan(leftover, runs.get(runId) ?? null, settings, now);
      if (decision.action === 'remove') doomed.push({ key: leftover.key, runId, reason: decision.reason });
    }
    if (doomed.length === 0) continue;
    let refused: Set<string>;
    try {
      const result = await deleteObjects(
        deps.storage,
        doomed.map((entry) => entry.key),
      );
      refused = new Set(result.failed.map((failure) => failure.key));
      for (const failure of result.failed) {
        deps.logger.warn(
          { key: failure.key, code: failure.code },
          'could not delete an orphaned object; the next pass tries again',
        );
      }
    } catch (error) {
      tally.failed += doomed.length;
      deps.logger.warn(
        { err: error, keys: doomed.length },
        'could not delete orphaned objects; the next pass tries again',
      );
      continue;
    }
    for (const entry of doomed) {
      if (refused.has(entry.key)) {
        tally.failed += 1;
        continue;
      }
      tally.objectsDeleted += 1;
      countReason(tally, entry.reason);
      deps.logger.debug(
        { runId: entry.runId, key: entry.key, reason: entry.reason },
        'orphaned object deleted',
      );
    }
  }
}

/** Groups listed items whose key is a run result key; other keys are left alone. */
async function* candidateBatches<T extends { key: string }>(
  items: AsyncIterable<T>,
  batchSize: number,
  describe: (item: T) => Omit<StoredLeftover, 'attempt'>,
): AsyncGenerator<Candidate<T>[]> {
  let batch: Candidate<T>[] = [];
  for await (const item of items) {
    const parts = parseRunResultKey(item.key);
    if (!parts) continue;
    batch.push({ item, leftover: { ...describe(item), attempt: parts.attempt }, runId: parts.runId });
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function readRuns(
  prisma: PrismaClient,
  batch: readonly Candidate<unknown>[],
): Promise<Map<string, RunOwningLeftover>> {
  const ids = [...new Set(batch.map((candidate) => candidate.runId))];
  const runs = await prisma.reportRun.findMany({
    where: { id: { in: ids } },
    select: {
      id: true,
      status: true,
      attempts: true,
      fileObjectKey: true,
      leaseOwner: true,
      leaseAttempt: true,
      leaseExpiresAt: true,
    },
  });
  return new Map(
    runs.map((run) => [
      run.id,
      {
        status: run.status,
        attempts: run.attempts,
        fileObjectKey: run.fileObjectKey,
        lease:
          run.leaseOwner !== null && run.leaseAttempt !== null && run.leaseExpiresAt !== null
            ? { attempt: run.leaseAttempt, expiresAt: run.leaseExpiresAt }
            : null,
      },
    ]),
  );
}
