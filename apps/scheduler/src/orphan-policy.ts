import type { ReportRunStatus } from '@reportrun/db';

/** Something an attempt left in the bucket under a run result key. */
export interface StoredLeftover {
  kind: 'upload' | 'object';
  key: string;
  /** The attempt the key names (`…/attempt-N/…`). */
  attempt: number;
  /** When the upload was started or the object written, by the storage server's clock. */
  since: Date;
}

/** An attempt's lease, where the run records one. */
export interface AttemptLease {
  attempt: number;
  expiresAt: Date;
}

/** The columns of the run a key belongs to that the policy reads. */
export interface RunOwningLeftover {
  status: ReportRunStatus;
  /** Attempts started so far; attempt N is the latest while `attempts = N`. */
  attempts: number;
  /** The run's current result, if it has one. */
  fileObjectKey: string | null;
  /**
   * The lease of the attempt holding the run. `undefined` where runs carry no lease, and `null`
   * when none is held right now (released, or not yet taken): then only a newer attempt or the
   * end of the run tells that an attempt is over.
   */
  lease?: AttemptLease | null;
}

export interface OrphanPolicy {
  /**
   * Nothing younger than this is touched, whatever the database says; and a lease counts as
   * lapsed only this long after its expiry, so a worker that renews a little late (or a clock a
   * little ahead of the database's) never has its upload pulled from under it.
   */
  graceSeconds: number;
}

export type OrphanReason =
  /** The key names a run that does not exist (deleted, or never committed). */
  | 'run_missing'
  /** The run ended and the key is not its result. */
  | 'run_ended'
  /** A later attempt of the run has started; this one can no longer win. */
  | 'attempt_superseded'
  /** The attempt's lease lapsed: its worker died or lost the run. */
  | 'lease_expired';

export type OrphanDecision =
  | { action: 'keep'; why: 'within_grace' | 'current_result' | 'attempt_live' }
  | { action: 'remove'; reason: OrphanReason };

/**
 * Decides whether one pending upload or stored object under a run result key is an orphan.
 * Pure, so every rule can be read and tested alone; the cleanup task only does the I/O.
 *
 * A run's current result is never removed here, even once expired: deleting it is the
 * retention sweep's job, which also records the expiry on the run.
 *
 * Objects are removed only when no run points at them and none ever can: the run is gone or
 * has ended, or (where runs carry leases, so every write of an attempt is fenced by its attempt
 * number) a newer attempt has started. Without leases a stale attempt could still mark the run
 * succeeded with its key, so its object waits until the run ends. A lapsed lease never frees an
 * object: its holder may still renew and finish. Aborting a superseded or lapsed attempt's
 * pending upload is always safe: that attempt must not finish anyway.
 */
export function decideOrphan(
  leftover: StoredLeftover,
  run: RunOwningLeftover | null,
  policy: OrphanPolicy,
  now: Date,
): OrphanDecision {
  const graceMs = policy.graceSeconds * 1000;
  if (now.getTime() - leftover.since.getTime() < graceMs) {
    return { action: 'keep', why: 'within_grace' };
  }
  if (!run) return { action: 'remove', reason: 'run_missing' };
  if (leftover.kind === 'object' && leftover.key === run.fileObjectKey) {
    return { action: 'keep', why: 'current_result' };
  }
  if (run.status !== 'running') return { action: 'remove', reason: 'run_ended' };
  const superseded = run.attempts > leftover.attempt || (run.lease?.attempt ?? 0) > leftover.attempt;
  if (leftover.kind === 'object') {
    const fenced = run.lease !== undefined;
    return fenced && superseded
      ? { action: 'remove', reason: 'attempt_superseded' }
      : { action: 'keep', why: 'attempt_live' };
  }
  if (superseded) return { action: 'remove', reason: 'attempt_superseded' };
  if (
    run.lease &&
    run.lease.attempt === leftover.attempt &&
    run.lease.expiresAt.getTime() + graceMs <= now.getTime()
  ) {
    return { action: 'remove', reason: 'lease_expired' };
  }
  return { action: 'keep', why: 'attempt_live' };
}
