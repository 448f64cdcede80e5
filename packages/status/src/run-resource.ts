import { ServiceUnavailable, storedResultOptions, type FileContentType, type ReportRunResource } from '@reportrun/core';
import type { ReportRun } from '@reportrun/db';
import { presignDownload, StorageZoneCredentialsMissing, type DownloadUrl, type StorageZones } from '@reportrun/storage';
import { resultExpiredAt } from './result-retention.ts';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * The Stripe v2 `ReportRun` view of a stored run: what the API answers and what events carry in
 * `data.object`, so both show a run the same way. A succeeded run whose result passed its
 * retention keeps `status: succeeded` but shows `result: null` and says when the result expired
 * in `status_details.result_expired_at`.
 */
export function toReportRunResource(
  run: ReportRun,
  downloadUrl: DownloadUrl | null,
  now: Date = new Date(),
): ReportRunResource {
  const resultOptions = storedResultOptions(run.resultOptions);
  const expiredAt = resultExpiredAt(run, now);
  const file =
    run.status === 'succeeded' && !expiredAt && downloadUrl && run.fileContentType
      ? {
          content_type: run.fileContentType as FileContentType,
          size: Number(run.fileSize ?? 0),
          rows: Number(run.fileRows ?? 0),
          download_url: { url: downloadUrl.url, expires_at: downloadUrl.expiresAt.toISOString() },
        }
      : null;
  return {
    id: run.id,
    object: 'v2.reporting.report_run',
    created: run.createdAt.toISOString(),
    livemode: run.livemode,
    report: run.reportId,
    report_name: run.reportName,
    report_parameters: run.reportParameters as Record<string, unknown>,
    result: file ? { type: 'file', file } : null,
    result_options: resultOptions,
    status: run.status,
    status_details: expiredAt
      ? { ...(run.statusDetails as Record<string, unknown>), result_expired_at: expiredAt.toISOString() }
      : (run.statusDetails as Record<string, unknown>),
    active_at: iso(run.activeAt),
    succeeded_at: iso(run.succeededAt),
    failed_at: iso(run.failedAt),
    canceled_at: iso(run.canceledAt),
    canceled_by: run.canceledBy,
    attempts: run.attempts,
    timeout_seconds: run.timeoutSeconds,
  };
}

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
  // The run's file lives in the zone stamped on it when it was made (or the service's bucket).
  const storage = await storageZones.storageFor(run.storageZoneId).catch((error: unknown) => {
    // The operator has not given this process the zone's credentials: nothing the client did.
    if (error instanceof StorageZoneCredentialsMissing) {
      throw new ServiceUnavailable("The storage zone holding this run's file is not configured on this server.", 30);
    }
    throw error;
  });
  return presignDownload(storage, run.fileObjectKey, Math.min(ttlSeconds, secondsLeft), now);
}

/**
 * The run as `GET /v2/reporting/report_runs/{id}` shows it: the resource with a download link
 * signed now, for the run's own storage zone. What the API's reads, event streams and events
 * all answer, so every face of a run carries the same link rules.
 */
export async function renderReportRun(
  storageZones: StorageZones,
  run: ReportRun,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<ReportRunResource> {
  return toReportRunResource(run, await signResultDownload(storageZones, run, ttlSeconds, now), now);
}
