import { expect, it } from 'vitest';
import { createApiKey, createDatabase, createTeam } from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { createProgressRecorder, createReportRun, markRunCanceled, startAttempt, type AttemptLease } from '../src/index.ts';

const fixture = useTestFixture({ database: { createDatabase, createTeam, createApiKey }, team: 'Progress team' });

async function runningAttempt(owner: string): Promise<AttemptLease> {
  const run = await createReportRun(fixture.db.prisma, {
    teamId: fixture.teamId,
    livemode: false,
    reportId: 'balance_change_from_activity.itemized.1',
    reportName: 'Itemized',
    reportParameters: {},
    resultOptions: { compress_file: false },
    timeoutSeconds: 60,
    createdBy: 'key_test',
  });
  const start = await startAttempt(fixture.db.prisma, run.id, { owner, leaseSeconds: 30, maxCrashes: 1 });
  if (start.outcome !== 'started') throw new Error(`expected a start, got ${start.outcome}`);
  return start.lease;
}

const detailsOf = async (id: string) =>
  (await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } })).statusDetails as Record<string, unknown>;

it('a burst of updates lands as the latest progress, and nothing is written after stop', async () => {
  const lease = await runningAttempt('w1');
  const recorder = createProgressRecorder(fixture.db.prisma, lease, { intervalMs: 1000 });
  for (let rows = 1; rows <= 1000; rows += 1) recorder.update({ stage: 'uploading', rows, bytes: rows * 10 });
  await waitFor(() => detailsOf(lease.runId), (details) => details.rows === 1000, { timeoutMs: 10_000 });
  expect(await detailsOf(lease.runId)).toEqual({ stage: 'uploading', rows: 1000, bytes: 10_000 });

  recorder.update({ stage: 'uploading', rows: 2000, bytes: 20_000 });
  await recorder.stop();
  // Whatever was in flight at stop has landed; what was only pending is never written.
  const settled = await detailsOf(lease.runId);
  recorder.update({ stage: 'uploading', rows: 3000, bytes: 30_000 });
  await recorder.stop();
  expect(await detailsOf(lease.runId)).toEqual(settled);
});

it('progress of an attempt that no longer holds the run is never written', async () => {
  const lease = await runningAttempt('w2');
  await markRunCanceled(fixture.db.prisma, lease.runId, 'key_test');
  const before = await detailsOf(lease.runId);
  const recorder = createProgressRecorder(fixture.db.prisma, lease, { intervalMs: 1000 });
  recorder.update({ stage: 'uploading', rows: 5, bytes: 50 });
  await recorder.stop();
  const stale = { ...lease, owner: 'someone-else' };
  const staleRecorder = createProgressRecorder(fixture.db.prisma, stale, { intervalMs: 1000 });
  staleRecorder.update({ stage: 'uploading', rows: 7, bytes: 70 });
  await staleRecorder.stop();
  const run = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: lease.runId } });
  expect(run.status).toBe('canceled');
  expect(run.statusDetails).toEqual(before);
});
