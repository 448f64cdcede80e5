import type { PrismaClient, ReportRun } from '@reportrun/db';

/**
 * A succeeded run keeps its status forever, but its file does not: once `file_expires_at` has
 * passed the result is gone (or about to be deleted by the retention sweep), so no download URL
 * may be handed out. Returns when the result expired, or null while it is available (or the
 * run has no result).
 */
export function resultExpiredAt(
  run: Pick<ReportRun, 'status' | 'fileExpiresAt'>,
  now: Date = new Date(),
): Date | null {
  if (run.status !== 'succeeded' || !run.fileExpiresAt) return null;
  return run.fileExpiresAt.getTime() <= now.getTime() ? run.fileExpiresAt : null;
}

/**
 * Records that the retention sweep deleted a run's file: clears the object key and keeps (or,
 * for a run finished without an expiry stamp, sets) `file_expires_at`. Conditional on the key
 * it deleted, so a concurrent sweep does the work once. Returns whether this call recorded it.
 */
export async function markResultExpired(
  prisma: PrismaClient,
  runId: string,
  deletedObjectKey: string,
  expiredAt: Date,
): Promise<boolean> {
  const { count } = await prisma.reportRun.updateMany({
    where: { id: runId, status: 'succeeded', fileObjectKey: deletedObjectKey },
    data: { fileObjectKey: null, fileExpiresAt: expiredAt },
  });
  return count === 1;
}
