import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import type { Database } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import {
  createReportRun,
  markRunActive,
  markRunCanceled,
  markRunFailed,
  markRunSucceeded,
  type RunFile,
} from '../src/index.ts';

// Two clients with their own pools stand for two worker processes: the fixture's and workerB.
const fixture = useTestFixture({ database, team: 'Status team' });
let workerB: Database;

beforeAll(() => {
  workerB = database.createDatabase(fixture.environment.config.DATABASE_URL);
});

afterAll(async () => {
  await workerB?.close();
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

describe('run status transitions', () => {
  it('a new run is running and queued', async () => {
    const run = await newRun();
    expect(run.status).toBe('running');
    expect(run.statusDetails).toEqual({ stage: 'queued' });
    expect(run.activeAt).toBeNull();
    expect(run.attempts).toBe(0);
  });

  it('when two workers race to finish the same run, exactly one wins', async () => {
    for (let round = 0; round < 20; round += 1) {
      const run = await newRun();
      const results = await Promise.all([
        markRunSucceeded(fixture.db.prisma, run.id, file('a')),
        markRunSucceeded(workerB.prisma, run.id, file('b')),
      ]);
      const winners = results.filter((result) => result !== null);
      expect(winners).toHaveLength(1);
      const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
      expect(stored.status).toBe('succeeded');
      expect(stored.fileObjectKey).toBe(winners[0]!.fileObjectKey);
    }
  });

  it('a canceled run never becomes succeeded or failed', async () => {
    const run = await newRun();
    expect(await markRunCanceled(fixture.db.prisma, run.id, 'key_test')).not.toBeNull();
    expect(await markRunSucceeded(workerB.prisma, run.id, file('late'))).toBeNull();
    expect(await markRunFailed(workerB.prisma, run.id, { code: 'x', message: 'y', retryable: false })).toBeNull();
    expect(await markRunActive(workerB.prisma, run.id)).toBeNull();
    const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(stored).toMatchObject({ status: 'canceled', canceledBy: 'key_test', fileObjectKey: null, succeededAt: null });
    expect(stored.canceledAt).toBeInstanceOf(Date);
  });

  it('starting a run stamps active_at once and counts every attempt', async () => {
    const run = await newRun();
    const first = await markRunActive(fixture.db.prisma, run.id);
    const second = await markRunActive(workerB.prisma, run.id);
    expect(first!.attempts).toBe(1);
    expect(second!.attempts).toBe(2);
    expect(second!.activeAt!.getTime()).toBe(first!.activeAt!.getTime());
    expect(second!.statusDetails).toEqual({ stage: 'querying' });
  });

  it('a failed run keeps its failure details and cannot be failed or finished again', async () => {
    const run = await newRun();
    const failed = await markRunFailed(fixture.db.prisma, run.id, { code: 'timeout', message: 'too slow', retryable: false });
    expect(failed).toMatchObject({ status: 'failed', statusDetails: { code: 'timeout', message: 'too slow', retryable: false } });
    expect(await markRunFailed(workerB.prisma, run.id, { code: 'other', message: 'm', retryable: true })).toBeNull();
    expect(await markRunSucceeded(workerB.prisma, run.id, file('late'))).toBeNull();
  });
});
