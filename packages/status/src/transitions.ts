import type { FailureDetails, FileContentType } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';

/**
 * The transitions the API owns: failing a run it could not enqueue, and canceling. Each is one
 * conditional UPDATE (`… WHERE status = 'running'`), so it can never overwrite a terminal state
 * written by an attempt: whoever loses the race gets `null` back. A worker's own writes live in
 * attempts.ts, fenced by its lease.
 */

export interface RunFile {
  contentType: FileContentType;
  objectKey: string;
  size: number;
  rows: number;
  /** The short text a succeeded run shows (rows, size, measure totals per currency). */
  summary?: string;
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
