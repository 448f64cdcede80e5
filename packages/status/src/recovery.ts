import type { FailureDetails, ProgressDetails } from '@reportrun/core';
import type { PrismaClient, ReportRun } from '@reportrun/db';
import { endTerminally } from './transitions.ts';

/**
 * The reconciler puts a run whose queue job went missing back in the queue. Recording that is
 * one conditional UPDATE, like every transition: it holds only while the run is still running
 * and nobody else has re-enqueued it since `seenRequeueCount` was read, so two schedulers (or a
 * worker finishing at that instant) can never both win or push the count past its limit.
 * It also holds only while no worker holds a live lease on the run (as of `now`), so a run a
 * worker took meanwhile is never queued a second time; and only when the run was not
 * re-enqueued within `graceSeconds`: a scheduler that read the run after another counted the
 * requeue, but before that one's job reached Redis, sees no job and the new count, and must
 * not count it again.
 * Returns the updated run, or null when the caller lost and must not enqueue.
 */
export async function markRunRequeued(
  prisma: PrismaClient,
  runId: string,
  seenRequeueCount: number,
  now: Date = new Date(),
  graceSeconds = 0,
): Promise<ReportRun | null> {
  const [run] = await prisma.reportRun.updateManyAndReturn({
    where: {
      id: runId,
      status: 'running',
      requeueCount: seenRequeueCount,
      AND: [
        withoutLiveLease(now),
        { OR: [{ requeuedAt: null }, { requeuedAt: { lte: new Date(now.getTime() - graceSeconds * 1000) } }] },
      ],
    },
    data: {
      requeueCount: { increment: 1 },
      requeuedAt: now,
      // Whatever stage a lost attempt had reached, the run now waits in the queue again.
      statusDetails: { stage: 'queued' } satisfies ProgressDetails,
    },
  });
  return run ?? null;
}

/**
 * The reconciler fails a run that can no longer finish (timed out, report gone, lost too often).
 * Conditional on no worker holding a live lease, so a run that a worker started since the
 * reconciler looked is left to that worker.
 */
export async function failAbandonedRun(
  prisma: PrismaClient,
  runId: string,
  details: FailureDetails,
  now: Date = new Date(),
): Promise<ReportRun | null> {
  return endTerminally(prisma, (tx) =>
    tx.reportRun.updateManyAndReturn({
      where: { id: runId, status: 'running', ...withoutLiveLease(now) },
      data: { status: 'failed', failedAt: new Date(), statusDetails: details, leaseOwner: null, leaseAttempt: null, leaseExpiresAt: null },
    }),
  );
}

const withoutLiveLease = (now: Date) => ({ OR: [{ leaseExpiresAt: null }, { leaseExpiresAt: { lte: now } }] });
