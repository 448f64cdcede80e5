import type { ReportRun } from '@reportrun/db';
import { resultExpiredAt } from '@reportrun/status';
import { ServiceUnavailable } from '@reportrun/core';
import { presignDownload, StorageZoneCredentialsMissing, type DownloadUrl, type StorageZones } from '@reportrun/storage';

/**
 * The download URL for a succeeded run's file, or null when there is none to give (the run has
 * not succeeded, or its result expired). Signed for `ttlSeconds` (DOWNLOAD_URL_TTL_SECONDS) but
 * never past the result's own expiry, so a link cannot outlive the file it points at.
 */
export async function signResultDownload(
  storageZones: StorageZones,
  run: Pick<ReportRun, 'status' | 'fileObjectKey' | 'fileExpiresAt' | 'storageZoneId'>,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<DownloadUrl | null> {
  if (run.status !== 'succeeded' || !run.fileObjectKey || resultExpiredAt(run, now)) return null;
  const secondsLeft = run.fileExpiresAt
    ? Math.ceil((run.fileExpiresAt.getTime() - now.getTime()) / 1000)
    : Number.POSITIVE_INFINITY;
  const storage = await storageZones.storageFor(run.storageZoneId).catch((error: unknown) => {
    // The operator has not given this process the zone's credentials: nothing the client did.
    if (error instanceof StorageZoneCredentialsMissing) {
      throw new ServiceUnavailable("The storage zone holding this run's file is not configured on this server.", 30);
    }
    throw error;
  });
  return presignDownload(storage, run.fileObjectKey, Math.min(ttlSeconds, secondsLeft), now);
}
