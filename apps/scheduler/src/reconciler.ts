import type { Logger } from '@reportrun/config';
import type { FailureDetails } from '@reportrun/core';
import type { PrismaClient } from '@reportrun/db';
import { enqueueReportRun, reportRunJobId, type ReportRunQueue } from '@reportrun/queue';
import { classifyFailure, ReportNotFound, resolveRunTarget } from '@reportrun/runner';
import { failAbandonedRun, markRunRequeued } from '@reportrun/status';
import {
  decideRecovery,
  hasLiveLease,
  jobPresenceOf,
  type JobPresence,
  type RecoveryPolicy,
} from './recovery-policy.ts';

export interface ReconcilerDependencies {
  prisma: PrismaClient;
  queue: ReportRunQueue;
  logger: Logger;
}

export interface ReconcilerSettings extends RecoveryPolicy {
  /** Runs younger than this are skipped: the API may still be enqueuing them. */
  graceSeconds: number;
  /** Runs read per query; a pass pages through every candidate. */
  batchSize?: number;
}

export interface ReconcileSummary {
  /** Running runs past the grace period that the pass looked at. */
  examined: number;
  requeued: number;
  /** Failed by this pass, by failure code. */
  failed: Record<string, number>;
}

/**
 * One reconciler pass: every run that is `running` in the database but older than the grace
 * period is checked against the queue. A run whose job is missing (or abandoned by the queue) is
 * re-enqueued, which is harmless because the job id is the run id; a run that can no longer
 * finish is failed with a stable code. Each action is a compare-and-set on the run, so a run
 * that finishes meanwhile, or a second scheduler doing the same pass, is never overwritten.
 */
export async function reconcileRuns(
  deps: ReconcilerDependencies,
  settings: ReconcilerSettings,
  now: Date = new Date(),
): Promise<ReconcileSummary> {
  const batchSize = settings.batchSize ?? 200;
  const createdBefore = new Date(now.getTime() - settings.graceSeconds * 1000);
  const summary: ReconcileSummary = { examined: 0, requeued: 0, failed: {} };
  let after: string | undefined;
  for (;;) {
    const runs = await deps.prisma.reportRun.findMany({
      where: { status: 'running', createdAt: { lt: createdBefore }, ...(after ? { id: { gt: after } } : {}) },
      orderBy: { id: 'asc' },
      take: batchSize,
      select: {
        id: true,
        teamId: true,
        livemode: true,
        reportId: true,
        activeAt: true,
        timeoutSeconds: true,
        requeueCount: true,
        leaseExpiresAt: true,
      },
    });
    if (runs.length === 0) break;
    after = runs.at(-1)!.id;
    // One Redis round trip per run, issued together: a pass after an outage may see thousands.
    const states = await Promise.all(runs.map((run) => deps.queue.getJobState(reportRunJobId(run.id))));
    for (const [index, run] of runs.entries()) {
      summary.examined += 1;
      const job = jobPresenceOf(states[index]!);
      // The report is looked up only for a run that lost its job: the common case costs no query.
      const missingReport = job === 'queued' || hasLiveLease(run, now) ? null : await missingReportFailure(deps, run);
      const decision = decideRecovery(run, job, missingReport, settings, now);
      const log = deps.logger.child({ runId: run.id, reportId: run.reportId, team: run.teamId });
      if (decision.action === 'fail') {
        if (await failAbandonedRun(deps.prisma, run.id, decision.failure, now)) {
          summary.failed[decision.failure.code] = (summary.failed[decision.failure.code] ?? 0) + 1;
          log.warn(
            { code: decision.failure.code, job, requeues: run.requeueCount },
            'reconciler failed a run that can no longer finish',
          );
        }
      } else if (decision.action === 'requeue') {
        if (await requeueRun(deps, run.id, run.requeueCount, job, log, now)) summary.requeued += 1;
      }
    }
    if (runs.length < batchSize) break;
  }
  return summary;
}

/** How the run fails if its report is gone, recorded exactly as a worker meeting it would. */
async function missingReportFailure(
  deps: ReconcilerDependencies,
  run: { reportId: string; teamId: string; livemode: boolean },
): Promise<FailureDetails | null> {
  try {
    await resolveRunTarget(deps.prisma, run);
    return null;
  } catch (error) {
    if (error instanceof ReportNotFound) return classifyFailure(error);
    throw error;
  }
}

async function requeueRun(
  deps: ReconcilerDependencies,
  runId: string,
  seenRequeueCount: number,
  job: JobPresence,
  log: Logger,
  now: Date,
): Promise<boolean> {
  // The job goes back before the requeue is counted: a second scheduler that reads the run
  // after the count then also sees the job and leaves it, so two passes at the same moment
  // count (and enqueue) a lost run once. Adding the same job id twice is a no-op.
  let enqueueError: unknown;
  try {
    // A job the queue gave up on still holds the run's id, and adding that id again is a no-op.
    if (job === 'abandoned') await deps.queue.remove(reportRunJobId(runId));
    await enqueueReportRun(deps.queue, runId);
  } catch (error) {
    enqueueError = error;
  }
  // Counted even when Redis refused the job, so a run can never cycle forever.
  if (!(await markRunRequeued(deps.prisma, runId, seenRequeueCount, now))) return false;
  if (enqueueError !== undefined) {
    log.error({ err: enqueueError, job }, 'could not re-enqueue the run; the next pass tries again');
    return false;
  }
  log.warn({ job, requeue: seenRequeueCount + 1 }, 'reconciler re-enqueued a run whose job was lost');
  return true;
}
