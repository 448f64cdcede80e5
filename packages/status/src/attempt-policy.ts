import type { FailureDetails } from '@reportrun/core';

/** What an attempt about to start knows of the run's previous holder. */
export interface RunAtStart {
  status: 'running' | 'succeeded' | 'failed' | 'canceled';
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  crashCount: number;
}

export interface AttemptStartPolicy {
  /** Attempts that may end in a crash or a lost lease; one more fails the run. */
  maxCrashes: number;
}

export type AttemptStartDecision =
  /** Nothing to do: the run already ended. */
  | { action: 'skip' }
  /** Another attempt holds a live lease; try again once it lapses. */
  | { action: 'wait'; until: Date }
  /** Take the lease; `crashed` when the previous attempt never released its own. */
  | { action: 'start'; crashed: boolean }
  | { action: 'fail'; failure: FailureDetails };

/**
 * Decides how an attempt starts. A lease still held when a new attempt starts means the previous
 * attempt died without releasing it (crash, SIGKILL, lost database): that counts as a crash, and
 * a run that keeps crashing its workers is failed as `worker_crashed` instead of looping.
 */
export function decideAttemptStart(run: RunAtStart, policy: AttemptStartPolicy, now: Date): AttemptStartDecision {
  if (run.status !== 'running') return { action: 'skip' };
  if (run.leaseOwner !== null && run.leaseExpiresAt && run.leaseExpiresAt.getTime() > now.getTime()) {
    return { action: 'wait', until: run.leaseExpiresAt };
  }
  const crashed = run.leaseOwner !== null;
  const crashes = run.crashCount + (crashed ? 1 : 0);
  if (crashes > policy.maxCrashes) {
    return {
      action: 'fail',
      failure: {
        code: 'worker_crashed',
        message: `The run's attempts ended in a worker crash or a lost lease ${crashes} times; it was stopped so it cannot take more workers down.`,
        retryable: false,
      },
    };
  }
  return { action: 'start', crashed };
}
