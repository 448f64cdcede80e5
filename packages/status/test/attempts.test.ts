import { describe, expect, it } from 'vitest';
import { createApiKey, createDatabase, createTeam } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import {
  createReportRun,
  failAbandonedRun,
  failAttempt,
  markRunCanceled,
  markRunRequeued,
  recordAttemptProgress,
  renewLease,
  requeueAttempt,
  returnAttempt,
  startAttempt,
  succeedAttempt,
  type AttemptLease,
  type AttemptStartOptions,
  type RunFile,
} from '../src/index.ts';

const fixture = useTestFixture({ database: { createDatabase, createTeam, createApiKey }, team: 'Lease team' });

const newRun = () =>
  createReportRun(fixture.db.prisma, {
    teamId: fixture.teamId,
    livemode: false,
    reportId: 'balance_change_from_activity.itemized.1',
    reportName: 'Itemized',
    reportParameters: { interval_start: '2025-01-01T00:00:00.000Z', interval_end: '2025-02-01T00:00:00.000Z' },
    resultOptions: { compress_file: false },
    timeoutSeconds: 60,
    createdBy: 'key_test',
  });

const options = (owner: string, leaseSeconds = 30): AttemptStartOptions => ({ owner, leaseSeconds, maxCrashes: 1 });
const file = (objectKey: string): RunFile => ({ contentType: 'csv', objectKey, size: 10, rows: 1 });
const stored = (id: string) => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });

async function started(runId: string, owner: string, leaseSeconds = 30): Promise<AttemptLease> {
  const start = await startAttempt(fixture.db.prisma, runId, options(owner, leaseSeconds));
  if (start.outcome !== 'started') throw new Error(`expected a start, got ${start.outcome}`);
  return start.lease;
}

/** What a dead worker leaves: its lease, lapsed. */
const lapse = (runId: string) =>
  fixture.db.pool.query(`UPDATE public.report_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [runId]);

describe('leases fence every write of an attempt', () => {
  it('a started attempt holds the lease with its owner and attempt number', async () => {
    const run = await newRun();
    const lease = await started(run.id, 'w1');
    expect(lease).toEqual({ runId: run.id, owner: 'w1', attempt: 1 });
    const row = await stored(run.id);
    expect(row).toMatchObject({ leaseOwner: 'w1', leaseAttempt: 1, attempts: 1, crashCount: 0 });
    expect(row.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now());
  });

  it('while the lease is live, a second start waits instead of running a duplicate attempt', async () => {
    const run = await newRun();
    await started(run.id, 'w1');
    const second = await startAttempt(fixture.db.prisma, run.id, options('w2'));
    expect(second.outcome).toBe('leased');
    expect((await stored(run.id)).attempts).toBe(1);
  });

  it('a stale attempt can neither succeed, fail, requeue nor report progress once another attempt took the run', async () => {
    const run = await newRun();
    const stale = await started(run.id, 'w1');
    await lapse(run.id);
    const current = await started(run.id, 'w2');
    expect(current.attempt).toBe(2);
    expect(await renewLease(fixture.db.prisma, stale, 30)).toBe(false);
    expect(await recordAttemptProgress(fixture.db.prisma, stale, { stage: 'uploading' })).toBe(false);
    expect(await succeedAttempt(fixture.db.prisma, stale, file('stale-object'))).toBeNull();
    expect(await failAttempt(fixture.db.prisma, stale, { code: 'x', message: 'y', retryable: false })).toBeNull();
    expect(await requeueAttempt(fixture.db.prisma, stale)).toBe(false);
    expect(await returnAttempt(fixture.db.prisma, stale)).toBe(false);
    const won = await succeedAttempt(fixture.db.prisma, current, file('current-object'));
    expect(won).toMatchObject({ status: 'succeeded', fileObjectKey: 'current-object', leaseOwner: null });
  });

  it('the same owner cannot write for an older attempt of its own', async () => {
    const run = await newRun();
    const first = await started(run.id, 'w1');
    await lapse(run.id);
    await started(run.id, 'w1');
    expect(await succeedAttempt(fixture.db.prisma, first, file('old'))).toBeNull();
  });

  it('an attempt cannot succeed a canceled run', async () => {
    const run = await newRun();
    const lease = await started(run.id, 'w1');
    await markRunCanceled(fixture.db.prisma, run.id, 'key_test');
    expect(await succeedAttempt(fixture.db.prisma, lease, file('late'))).toBeNull();
    expect(await renewLease(fixture.db.prisma, lease, 30)).toBe(false);
  });

  it('a run returned on shutdown gives its attempt back and the next start is no crash', async () => {
    const run = await newRun();
    const lease = await started(run.id, 'w1');
    expect(await returnAttempt(fixture.db.prisma, lease)).toBe(true);
    expect(await stored(run.id)).toMatchObject({ attempts: 0, leaseOwner: null, statusDetails: { stage: 'queued' } });
    const next = await startAttempt(fixture.db.prisma, run.id, options('w2'));
    expect(next).toMatchObject({ outcome: 'started', crashed: false, lease: { attempt: 1 } });
  });

  it('a transient failure spends the attempt and releases the lease', async () => {
    const run = await newRun();
    const lease = await started(run.id, 'w1');
    expect(await requeueAttempt(fixture.db.prisma, lease)).toBe(true);
    const next = await startAttempt(fixture.db.prisma, run.id, options('w2'));
    expect(next).toMatchObject({ outcome: 'started', crashed: false, lease: { attempt: 2 } });
  });

  it('attempts that keep dying are counted, and past the limit the run fails as worker_crashed', async () => {
    const run = await newRun();
    await started(run.id, 'w1');
    await lapse(run.id);
    const second = await startAttempt(fixture.db.prisma, run.id, options('w2'));
    expect(second).toMatchObject({ outcome: 'started', crashed: true });
    await lapse(run.id);
    const third = await startAttempt(fixture.db.prisma, run.id, options('w3'));
    expect(third).toMatchObject({ outcome: 'failed', failure: { code: 'worker_crashed' } });
    expect(await stored(run.id)).toMatchObject({
      status: 'failed',
      crashCount: 2,
      statusDetails: { code: 'worker_crashed', retryable: false },
    });
  });

  it('of two workers starting the same free run at once, exactly one gets the lease', async () => {
    for (let round = 0; round < 10; round += 1) {
      const run = await newRun();
      const starts = await Promise.all([startAttempt(fixture.db.prisma, run.id, options('a')), startAttempt(fixture.db.prisma, run.id, options('b'))]);
      expect(starts.filter((start) => start.outcome === 'started')).toHaveLength(1);
      expect((await stored(run.id)).attempts).toBe(1);
    }
  });

  it('the reconciler cannot requeue or fail a run while a worker holds a live lease', async () => {
    const run = await newRun();
    await started(run.id, 'w1');
    expect(await markRunRequeued(fixture.db.prisma, run.id, 0)).toBeNull();
    expect(await failAbandonedRun(fixture.db.prisma, run.id, { code: 'run_lost', message: 'm', retryable: true })).toBeNull();
    await lapse(run.id);
    expect(await markRunRequeued(fixture.db.prisma, run.id, 0)).not.toBeNull();
  });
});
