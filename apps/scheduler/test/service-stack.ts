import type { Database } from '@reportrun/db';
import { startAttempt, type AttemptLease } from '@reportrun/status';

export const itemizedReport = 'balance_change_from_activity.itemized.1';
/** The whole seeded ledger, as the API stores it. */
export const wholeLedgerNormalized = {
  interval_start: '2025-01-01T00:00:00.000Z',
  interval_end: '2026-01-01T00:00:00.000Z',
};

export const ended = (run: { status: string }) => run.status !== 'running';

export { lockLedger } from '@reportrun/testing';

/**
 * Starts `attempts` attempts on a run as workers do, each after the previous attempt's lease
 * lapsed (its worker died), and returns the last attempt's lease, live for `leaseSeconds`.
 * Going through startAttempt keeps the test's runs in states the status service can produce.
 */
export async function startAttempts(
  db: Pick<Database, 'prisma' | 'pool'>,
  runId: string,
  attempts: number,
  leaseSeconds = 600,
): Promise<AttemptLease> {
  let lease: AttemptLease | undefined;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    if (lease) await lapseLease(db, runId);
    const start = await startAttempt(db.prisma, runId, { owner: `test-worker-${attempt}`, leaseSeconds, maxCrashes: attempts });
    if (start.outcome !== 'started') throw new Error(`attempt ${attempt} of ${runId} did not start: ${start.outcome}`);
    lease = start.lease;
  }
  if (!lease) throw new Error('startAttempts needs at least one attempt');
  return lease;
}

/** What a dead worker leaves behind: its lease, lapsed. */
export const lapseLease = (db: Pick<Database, 'pool'>, runId: string) =>
  db.pool.query(`UPDATE public.report_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [runId]);
