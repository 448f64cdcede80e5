import type { JobState } from 'bullmq';
import type { FailureDetails } from '@reportrun/core';

/** What the queue knows about a running run's job. */
export type JobPresence =
  /** Waiting, delayed, prioritized or active: the queue will run it, or is running it. */
  | 'queued'
  /** No job at all: Redis lost it (flushed, restarted without persistence) or it was never added. */
  | 'missing'
  /**
   * The queue is done with it (failed after its attempts or stalls, or completed) while the run
   * never reached a terminal state, e.g. a worker that kept dying mid-run or lost the database.
   */
  | 'abandoned';

export function jobPresenceOf(state: JobState | 'unknown'): JobPresence {
  if (state === 'unknown') return 'missing';
  if (state === 'completed' || state === 'failed') return 'abandoned';
  return 'queued';
}

export interface RecoveryPolicy {
  /** Re-enqueues of one run before it is given up as `run_lost`. */
  maxRequeues: number;
  /** Slack past the run's timeout before it is failed as `timeout`. */
  timeoutMarginSeconds: number;
  /** The same cap the worker applies to every run's timeout. */
  runTimeoutSecondsMax: number;
}

/** The columns of a running run the policy reads. */
export interface RunUnderReview {
  reportId: string;
  activeAt: Date | null;
  timeoutSeconds: number;
  requeueCount: number;
  /** Renewed by the worker holding the run's attempt; null when no attempt holds it. */
  leaseExpiresAt: Date | null;
}

/** A worker is still working on the run: its lease has not lapsed. */
export function hasLiveLease(run: Pick<RunUnderReview, 'leaseExpiresAt'>, now: Date): boolean {
  return run.leaseExpiresAt !== null && run.leaseExpiresAt.getTime() > now.getTime();
}

export type RecoveryDecision =
  { action: 'leave' } | { action: 'requeue' } | { action: 'fail'; failure: FailureDetails };

/**
 * Decides what to do with a running run older than the grace period. Pure, so each rule can be
 * read (and tested) on its own; the reconciler carries the decision out with conditional updates.
 *
 * A run a worker holds (a live lease) is never touched, whatever the queue says: the queue may
 * have lost its keys while the worker exports, and a second attempt beside it would be a
 * duplicate. The worker enforces the run's timeout itself.
 *
 * A run still in the queue is left alone however long it waits: a backlog is a capacity
 * problem, not a lost run. Only a run that started and has outlived its timeout by the margin
 * is failed while it still has a job (its worker hangs or died without the stall check noticing).
 *
 * `missingReport` is how the run would fail for want of its report (resolveRunTarget's
 * ReportNotFound, classified as a worker would record it), or null when the report exists; it
 * is only looked up for a run whose job is gone.
 */
export function decideRecovery(
  run: RunUnderReview,
  job: JobPresence,
  missingReport: FailureDetails | null,
  policy: RecoveryPolicy,
  now: Date,
): RecoveryDecision {
  if (hasLiveLease(run, now)) return { action: 'leave' };
  const timeoutSeconds = Math.min(run.timeoutSeconds, policy.runTimeoutSecondsMax);
  if (run.activeAt) {
    const deadline = run.activeAt.getTime() + (timeoutSeconds + policy.timeoutMarginSeconds) * 1000;
    if (now.getTime() > deadline) {
      return {
        action: 'fail',
        failure: {
          code: 'timeout',
          message: `The run did not finish within its ${timeoutSeconds} s time limit.`,
          retryable: false,
        },
      };
    }
  }
  if (job === 'queued') return { action: 'leave' };
  if (missingReport) return { action: 'fail', failure: missingReport };
  if (run.requeueCount >= policy.maxRequeues) {
    return {
      action: 'fail',
      failure: {
        code: 'run_lost',
        message:
          run.requeueCount === 0
            ? 'The run was lost from the job queue; create it again.'
            : `The run was lost from the job queue ${run.requeueCount + 1} times; create it again.`,
        retryable: true,
      },
    };
  }
  return { action: 'requeue' };
}
