import { describe, expect, it } from 'vitest';
import { decideOrphan, type RunOwningLeftover, type StoredLeftover } from '../src/index.ts';

const now = new Date('2026-03-01T12:00:00Z');
const policy = { graceSeconds: 120 };
const resultKey = 'teams/team_1/report_runs/reprun_1/attempt-2/report.csv';
const old = new Date(now.getTime() - 121_000);

const upload = (attempt: number, since: Date = old): StoredLeftover => ({
  kind: 'upload',
  key: `teams/team_1/report_runs/reprun_1/attempt-${attempt}/report.csv`,
  attempt,
  since,
});
const object = (attempt: number, since: Date = old): StoredLeftover => ({
  ...upload(attempt, since),
  kind: 'object',
});

const running = (attempts: number, extra: Partial<RunOwningLeftover> = {}): RunOwningLeftover => ({
  status: 'running',
  attempts,
  fileObjectKey: null,
  ...extra,
});

describe('what the orphan cleanup removes', () => {
  it('nothing younger than the grace, even for a run that does not exist', () => {
    const young = new Date(now.getTime() - 119_000);
    expect(decideOrphan(upload(1, young), null, policy, now)).toEqual({
      action: 'keep',
      why: 'within_grace',
    });
    expect(decideOrphan(object(1, young), null, policy, now)).toEqual({
      action: 'keep',
      why: 'within_grace',
    });
    expect(decideOrphan(upload(1, old), null, policy, now)).toEqual({
      action: 'remove',
      reason: 'run_missing',
    });
  });

  it('uploads and objects of a run that does not exist', () => {
    expect(decideOrphan(upload(1), null, policy, now)).toEqual({ action: 'remove', reason: 'run_missing' });
    expect(decideOrphan(object(1), null, policy, now)).toEqual({ action: 'remove', reason: 'run_missing' });
  });

  it('never the current result of a succeeded run, however old (expiry is the retention sweep’s)', () => {
    const succeeded: RunOwningLeftover = { status: 'succeeded', attempts: 2, fileObjectKey: resultKey };
    const ancient = new Date(now.getTime() - 365 * 24 * 3600_000);
    expect(decideOrphan(object(2, ancient), succeeded, policy, now)).toEqual({
      action: 'keep',
      why: 'current_result',
    });
    // The same run's earlier attempt left a file nobody points to.
    expect(decideOrphan(object(1), succeeded, policy, now)).toEqual({
      action: 'remove',
      reason: 'run_ended',
    });
    // And an upload left open under its own result key is not the result: aborting it keeps the object.
    expect(decideOrphan(upload(2), succeeded, policy, now)).toEqual({
      action: 'remove',
      reason: 'run_ended',
    });
  });

  it('whatever a failed or canceled run left behind', () => {
    for (const status of ['failed', 'canceled'] as const) {
      const ended: RunOwningLeftover = { status, attempts: 1, fileObjectKey: null };
      expect(decideOrphan(upload(1), ended, policy, now)).toEqual({ action: 'remove', reason: 'run_ended' });
      expect(decideOrphan(object(1), ended, policy, now)).toEqual({ action: 'remove', reason: 'run_ended' });
    }
  });

  it('an expired result, once the retention sweep has let go of it', () => {
    const expired: RunOwningLeftover = { status: 'succeeded', attempts: 1, fileObjectKey: null };
    expect(decideOrphan(object(1), expired, policy, now)).toEqual({ action: 'remove', reason: 'run_ended' });
  });

  it('never the upload of the attempt running now, however long it takes', () => {
    const ancient = new Date(now.getTime() - 24 * 3600_000);
    expect(decideOrphan(upload(2, ancient), running(2), policy, now)).toEqual({
      action: 'keep',
      why: 'attempt_live',
    });
    expect(decideOrphan(object(2, ancient), running(2), policy, now)).toEqual({
      action: 'keep',
      why: 'attempt_live',
    });
  });

  it('the upload of an attempt a newer attempt has replaced', () => {
    expect(decideOrphan(upload(1), running(2), policy, now)).toEqual({
      action: 'remove',
      reason: 'attempt_superseded',
    });
  });

  it('the finished object of a replaced attempt where attempts are fenced by their lease', () => {
    const leased = running(2, { lease: { attempt: 2, expiresAt: new Date(now.getTime() + 30_000) } });
    expect(decideOrphan(object(1), leased, policy, now)).toEqual({
      action: 'remove',
      reason: 'attempt_superseded',
    });
    expect(decideOrphan(object(1), running(2, { lease: null }), policy, now)).toEqual({
      action: 'remove',
      reason: 'attempt_superseded',
    });
    expect(decideOrphan(object(2), leased, policy, now)).toEqual({ action: 'keep', why: 'attempt_live' });
  });

  it('not the finished object of a replaced attempt without leases (an unfenced attempt could still make it the result)', () => {
    expect(decideOrphan(object(1), running(2), policy, now)).toEqual({ action: 'keep', why: 'attempt_live' });
  });

  it('the upload of an attempt whose lease lapsed more than the grace ago, but not while it holds or just lapsed', () => {
    const lease = (msFromNow: number) =>
      running(2, { lease: { attempt: 2, expiresAt: new Date(now.getTime() + msFromNow) } });
    expect(decideOrphan(upload(2), lease(-120_000), policy, now)).toEqual({
      action: 'remove',
      reason: 'lease_expired',
    });
    // Lapsed, but its worker may yet renew it (it is late, or the clocks disagree a little).
    expect(decideOrphan(upload(2), lease(-119_000), policy, now)).toEqual({
      action: 'keep',
      why: 'attempt_live',
    });
    expect(decideOrphan(upload(2), lease(30_000), policy, now)).toEqual({
      action: 'keep',
      why: 'attempt_live',
    });
    // With no lease held right now, only a newer attempt or the end of the run decides.
    expect(decideOrphan(upload(2), running(2, { lease: null }), policy, now)).toEqual({
      action: 'keep',
      why: 'attempt_live',
    });
  });

  it('never a finished object because its attempt’s lease lapsed: the run may still point to it', () => {
    const lapsed = running(2, { lease: { attempt: 2, expiresAt: new Date(now.getTime() - 3600_000) } });
    expect(decideOrphan(object(2), lapsed, policy, now)).toEqual({ action: 'keep', why: 'attempt_live' });
  });

  it('the upload of an attempt whose lease another attempt has taken', () => {
    const taken = running(2, { lease: { attempt: 3, expiresAt: new Date(now.getTime() + 30_000) } });
    expect(decideOrphan(upload(2), taken, policy, now)).toEqual({
      action: 'remove',
      reason: 'attempt_superseded',
    });
  });
});
