import type { ReportRun } from '@reportrun/db';
import { resultExpiredAt } from '@reportrun/status';
import { presignDownload, type DownloadUrl, type Storage } from '@reportrun/storage';

/**
 * The download URL for a succeeded run's file, or null when there is none to give (the run has
 * not succeeded, or its result expired). Signed for `ttlSeconds` (DOWNLOAD_URL_TTL_SECONDS) but
 * never past the result's own expiry, so a link cannot outlive the file it points at.
 */
export async function signResultDownload(
  storage: Storage,
  run: Pick<ReportRun, 'status' | 'fileObjectKey' | 'fileExpiresAt'>,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<DownloadUrl | null> {
  if (run.status !== 'succeeded' || !run.fileObjectKey || resultExpiredAt(run, now)) return null;
  const secondsLeft = run.fileExpiresAt
    ? Math.ceil((run.fileExpiresAt.getTime() - now.getTime()) / 1000)
    : Number.POSITIVE_INFINITY;
  return presignDownload(storage, run.fileObjectKey, Math.min(ttlSeconds, secondsLeft), now);
}
