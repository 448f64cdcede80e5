import type { FailureDetails, FileContentType } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { recordRunEvent } from '@reportrun/webhooks';

/**
 * The transitions the API owns: failing a run it could not enqueue, and canceling. Each is one
 * conditional UPDATE (`… WHERE status = 'running'`), so it can never overwrite a terminal state
 * written by an attempt: whoever loses the race gets `null` back. A worker's own writes live in
 * attempts.ts, fenced by its lease.
 *
 * Every move into a terminal state writes its event (and the webhook outbox rows) in the same
 * transaction, only when the UPDATE moved the row: see endTerminally.
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
  return endTerminally(prisma, (tx) =>
    tx.reportRun.updateManyAndReturn({
      where: { id: runId, status: 'running' },
      data: { status: 'failed', failedAt: new Date(), statusDetails: details },
    }),
  );
}

export async function markRunCanceled(
  prisma: PrismaClient,
  runId: string,
  canceledBy: string,
): Promise<ReportRun | null> {
  return endTerminally(prisma, (tx) =>
    tx.reportRun.updateManyAndReturn({
      where: { id: runId, status: 'running' },
      data: { status: 'canceled', canceledAt: new Date(), canceledBy, statusDetails: {} },
    }),
  );
}

type TransactionClient = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/**
 * Runs a conditional UPDATE that ends a run and, in the same transaction, records the run's
 * event when (and only when) the UPDATE moved a row: the event and its webhook deliveries
 * commit with the state change or not at all, so no process can die in between.
 */
export async function endTerminally(
  prisma: PrismaClient,
  update: (tx: TransactionClient) => Promise<ReportRun[]>,
): Promise<ReportRun | null> {
  return prisma.$transaction(async (tx) => {
    const [run] = await update(tx);
    if (!run) return null;
    await recordRunEvent(tx, run);
    return run;
  });
}
