import type { ProgressDetails } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';

/**
 * The reconciler puts a run whose queue job went missing back in the queue. Recording that is
 * one conditional UPDATE, like every transition: it holds only while the run is still running
 * and nobody else has re-enqueued it since `seenRequeueCount` was read, so two schedulers (or a
 * worker finishing at that instant) can never both win or push the count past its limit.
 * Returns the updated run, or null when the caller lost and must not enqueue.
 */
export async function markRunRequeued(
  prisma: PrismaClient,
  runId: string,
  seenRequeueCount: number,
): Promise<ReportRun | null> {
  const [run] = await prisma.reportRun.updateManyAndReturn({
    where: { id: runId, status: 'running', requeueCount: seenRequeueCount },
    data: {
      requeueCount: { increment: 1 },
      // Whatever stage a lost attempt had reached, the run now waits in the queue again.
      statusDetails: { stage: 'queued' } satisfies ProgressDetails,
    },
  });
  return run ?? null;
}
