import type { FailureDetails, FileContentType, ProgressDetails } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';

/**
 * The run state machine. Every transition is one conditional UPDATE (`… WHERE status =
 * 'running'`), so a late or duplicate worker can never overwrite a terminal state: whoever
 * loses the race gets `null` back and must stop.
 */

export interface RunFile {
  contentType: FileContentType;
  objectKey: string;
  size: number;
  rows: number;
}

/** A worker starts (or restarts) the run: first start stamps `active_at`; every start counts. */
export async function markRunActive(prisma: PrismaClient, runId: string): Promise<ReportRun | null> {
  const rows = await prisma.$queryRaw<{ id: string }[]>`
    UPDATE "public"."report_runs"
       SET active_at = COALESCE(active_at, now()),
           attempts = attempts + 1,
           status_details = ${JSON.stringify({ stage: 'querying' } satisfies ProgressDetails)}::jsonb
     WHERE id = ${runId} AND status = 'running'
 RETURNING id`;
  if (rows.length === 0) return null;
  return prisma.reportRun.findUnique({ where: { id: runId } });
}

export async function updateRunProgress(
  prisma: PrismaClient,
  runId: string,
  progress: ProgressDetails,
): Promise<boolean> {
  const { count } = await prisma.reportRun.updateMany({
    where: { id: runId, status: 'running' },
    data: { statusDetails: progress },
  });
  return count === 1;
}

/**
 * With `resultRetentionSeconds`, the file's expiry is stamped as succeeded_at + retention, so
 * the API can tell when it lapses; without it, the scheduler's retention sweep falls back on
 * its own RESULT_RETENTION_SECONDS.
 */
export async function markRunSucceeded(
  prisma: PrismaClient,
  runId: string,
  file: RunFile,
  { resultRetentionSeconds }: { resultRetentionSeconds?: number } = {},
): Promise<ReportRun | null> {
  const succeededAt = new Date();
  const [run] = await prisma.reportRun.updateManyAndReturn({
    where: { id: runId, status: 'running' },
    data: {
      status: 'succeeded',
      succeededAt,
      fileExpiresAt:
        resultRetentionSeconds === undefined
          ? null
          : new Date(succeededAt.getTime() + resultRetentionSeconds * 1000),
      statusDetails: {},
      fileContentType: file.contentType,
      fileObjectKey: file.objectKey,
      fileSize: BigInt(file.size),
      fileRows: BigInt(file.rows),
    },
  });
  return run ?? null;
}

export async function markRunFailed(
  prisma: PrismaClient,
  runId: string,
  details: FailureDetails,
): Promise<ReportRun | null> {
  const [run] = await prisma.reportRun.updateManyAndReturn({
    where: { id: runId, status: 'running' },
    data: { status: 'failed', failedAt: new Date(), statusDetails: details },
  });
  return run ?? null;
}

export async function markRunCanceled(
  prisma: PrismaClient,
  runId: string,
  canceledBy: string,
): Promise<ReportRun | null> {
  const [run] = await prisma.reportRun.updateManyAndReturn({
    where: { id: runId, status: 'running' },
    data: { status: 'canceled', canceledAt: new Date(), canceledBy, statusDetails: {} },
  });
  return run ?? null;
}
