import { describe, expect, it } from 'vitest';
import { decideAttemptStart, type RunAtStart } from '../src/index.ts';

const now = new Date('2026-01-01T12:00:00Z');
const run = (overrides: Partial<RunAtStart> = {}): RunAtStart => ({
  status: 'running',
  leaseOwner: null,
  leaseExpiresAt: null,
  crashCount: 0,
  ...overrides,
});
const policy = { maxCrashes: 2 };

describe('how an attempt starts', () => {
  it('a run nobody holds starts without counting a crash', () => {
    expect(decideAttemptStart(run(), policy, now)).toEqual({ action: 'start', crashed: false });
  });

  it('a run that already ended is skipped', () => {
    expect(decideAttemptStart(run({ status: 'canceled' }), policy, now)).toEqual({ action: 'skip' });
  });

  it('a run held by a live lease waits until the lease would lapse', () => {
    const until = new Date(now.getTime() + 5_000);
    expect(decideAttemptStart(run({ leaseOwner: 'w1', leaseExpiresAt: until }), policy, now)).toEqual({
      action: 'wait',
      until,
    });
  });

  it('a lease never released by the previous attempt counts as a crash', () => {
    const lapsed = run({ leaseOwner: 'w1', leaseExpiresAt: new Date(now.getTime() - 1), crashCount: 1 });
    expect(decideAttemptStart(lapsed, policy, now)).toEqual({ action: 'start', crashed: true });
  });

  it('one crash more than allowed fails the run as worker_crashed instead of looping', () => {
    const lapsed = run({ leaseOwner: 'w1', leaseExpiresAt: new Date(now.getTime() - 1), crashCount: 2 });
    expect(decideAttemptStart(lapsed, policy, now)).toMatchObject({
      action: 'fail',
      failure: { code: 'worker_crashed', retryable: false },
    });
  });
});
