import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import type { Database } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import {
  createReportRun,
  failAttempt,
  markRunCanceled,
  markRunFailed,
  startAttempt,
  succeedAttempt,
  type AttemptLease,
  type RunFile,
} from '../src/index.ts';

// Two clients with their own pools stand for two processes: a worker (the fixture's) and the API
// (apiProcess), each writing through its own connection as they do in production.
const fixture = useTestFixture({ database, team: 'Status team' });
let apiProcess: Database;

beforeAll(() => {
  apiProcess = database.createDatabase(fixture.environment.config.DATABASE_URL);
});

afterAll(async () => {
  await apiProcess?.close();
});

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

const file = (objectKey: string): RunFile => ({ contentType: 'csv', objectKey, size: 10, rows: 1 });
const stored = (id: string) => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });

async function startedRun(): Promise<AttemptLease> {
  const run = await newRun();
  const start = await startAttempt(fixture.db.prisma, run.id, { owner: 'worker-a', leaseSeconds: 30, maxCrashes: 1 });
  if (start.outcome !== 'started') throw new Error(`expected a start, got ${start.outcome}`);
  return start.lease;
}

describe('run status transitions', () => {
  it('a new run is running and queued', async () => {
    const run = await newRun();
    expect(run.status).toBe('running');
    expect(run.statusDetails).toEqual({ stage: 'queued' });
    expect(run.activeAt).toBeNull();
    expect(run.attempts).toBe(0);
  });

  it('when a cancel and the attempt finishing race, exactly one wins and the row agrees with it', async () => {
    for (let round = 0; round < 20; round += 1) {
      const lease = await startedRun();
      const [succeeded, canceled] = await Promise.all([
        succeedAttempt(fixture.db.prisma, lease, file(`round-${round}`)),
        markRunCanceled(apiProcess.prisma, lease.runId, 'key_test'),
      ]);
      expect([succeeded, canceled].filter((result) => result !== null)).toHaveLength(1);
      const row = await stored(lease.runId);
      expect(row.status).toBe(succeeded ? 'succeeded' : 'canceled');
      expect(row.fileObjectKey).toBe(succeeded ? `round-${round}` : null);
    }
  });

  it('a canceled run never becomes succeeded or failed, and no attempt starts on it', async () => {
    const lease = await startedRun();
    expect(await markRunCanceled(apiProcess.prisma, lease.runId, 'key_test')).not.toBeNull();
    expect(await succeedAttempt(fixture.db.prisma, lease, file('late'))).toBeNull();
    expect(await failAttempt(fixture.db.prisma, lease, { code: 'x', message: 'y', retryable: false })).toBeNull();
    expect(await markRunFailed(apiProcess.prisma, lease.runId, { code: 'x', message: 'y', retryable: false })).toBeNull();
    expect(await startAttempt(fixture.db.prisma, lease.runId, { owner: 'worker-b', leaseSeconds: 30, maxCrashes: 1 })).toEqual({
      outcome: 'skipped',
    });
    const row = await stored(lease.runId);
    expect(row).toMatchObject({ status: 'canceled', canceledBy: 'key_test', fileObjectKey: null, succeededAt: null });
    expect(row.canceledAt).toBeInstanceOf(Date);
  });

  it('a failed run keeps its failure details and cannot be failed, canceled or finished again', async () => {
    const lease = await startedRun();
    const failed = await markRunFailed(apiProcess.prisma, lease.runId, { code: 'timeout', message: 'too slow', retryable: false });
    expect(failed).toMatchObject({ status: 'failed', statusDetails: { code: 'timeout', message: 'too slow', retryable: false } });
    expect(await markRunFailed(apiProcess.prisma, lease.runId, { code: 'other', message: 'm', retryable: true })).toBeNull();
    expect(await markRunCanceled(apiProcess.prisma, lease.runId, 'key_test')).toBeNull();
    expect(await succeedAttempt(fixture.db.prisma, lease, file('late'))).toBeNull();
    expect(await stored(lease.runId)).toMatchObject({ status: 'failed', statusDetails: { code: 'timeout' }, fileObjectKey: null });
  });
});
