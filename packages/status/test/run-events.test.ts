import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import {
  createReportRun,
  failAbandonedRun,
  failAttempt,
  markRunCanceled,
  markRunFailed,
  startAttempt,
  succeedAttempt,
  type AttemptLease,
} from '../src/index.ts';

const fixture = useTestFixture({ database, team: 'Run events team' });

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

async function startedRun(owner = 'worker-a'): Promise<AttemptLease> {
  const run = await newRun();
  const start = await startAttempt(fixture.db.prisma, run.id, { owner, leaseSeconds: 30, maxCrashes: 1 });
  if (start.outcome !== 'started') throw new Error(`expected a start, got ${start.outcome}`);
  return start.lease;
}

const eventsOf = (runId: string) =>
  fixture.db.prisma.event.findMany({ where: { runId }, select: { type: true, teamId: true, livemode: true } });

describe('events of a run', () => {
  it('each terminal move writes exactly one event of its kind, and a move that lost writes none', async () => {
    const succeeded = await startedRun();
    expect(await succeedAttempt(fixture.db.prisma, succeeded, { contentType: 'csv', objectKey: 'k', size: 1, rows: 1 })).not.toBeNull();
    expect(await markRunCanceled(fixture.db.prisma, succeeded.runId, 'key_late')).toBeNull();
    expect(await failAttempt(fixture.db.prisma, succeeded, { code: 'query_failed', message: 'late', retryable: false })).toBeNull();
    expect(await eventsOf(succeeded.runId)).toEqual([
      { type: 'report_run.succeeded', teamId: fixture.teamId, livemode: false },
    ]);

    const failed = await startedRun();
    await failAttempt(fixture.db.prisma, failed, { code: 'query_failed', message: 'boom', retryable: false });
    expect((await eventsOf(failed.runId)).map((event) => event.type)).toEqual(['report_run.failed']);

    const canceled = await newRun();
    await Promise.all([
      markRunCanceled(fixture.db.prisma, canceled.id, 'key_a'),
      markRunCanceled(fixture.db.prisma, canceled.id, 'key_b'),
      markRunFailed(fixture.db.prisma, canceled.id, { code: 'enqueue_failed', message: 'x', retryable: false }),
    ]);
    const [only, ...none] = await eventsOf(canceled.id);
    expect(none).toEqual([]);
    expect(['report_run.canceled', 'report_run.failed']).toContain(only!.type);

    const abandoned = await newRun();
    await failAbandonedRun(fixture.db.prisma, abandoned.id, { code: 'run_lost', message: 'lost', retryable: false });
    expect((await eventsOf(abandoned.id)).map((event) => event.type)).toEqual(['report_run.failed']);
  });

  it('an event is written with an outbox row for each endpoint of the team and mode that wants its type', async () => {
    const endpoint = (id: string, livemode: boolean, enabledEvents: string[]) =>
      fixture.db.prisma.webhookEndpoint.create({
        data: { id, teamId: fixture.teamId, livemode, url: 'https://hooks.example.com/', enabledEvents, secret: 'whsec_x' },
      });
    await endpoint('we_all', false, ['*']);
    await endpoint('we_failed_only', false, ['report_run.failed']);
    await endpoint('we_succeeded_only', false, ['report_run.succeeded']);
    await endpoint('we_live', true, ['*']);
    const lease = await startedRun();
    await failAttempt(fixture.db.prisma, lease, { code: 'query_failed', message: 'boom', retryable: false });
    const outbox = await fixture.db.prisma.webhookDelivery.findMany({
      where: { event: { runId: lease.runId } },
      select: { endpointId: true, status: true, attempts: true },
      orderBy: { endpointId: 'asc' },
    });
    expect(outbox).toEqual([
      { endpointId: 'we_all', status: 'pending', attempts: 0 },
      { endpointId: 'we_failed_only', status: 'pending', attempts: 0 },
    ]);
    await fixture.db.prisma.webhookEndpoint.deleteMany({ where: { teamId: fixture.teamId } });
  });
});
