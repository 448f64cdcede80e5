import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import * as database from '@reportrun/db';
import { createSavedReport } from '@reportrun/db';
import { createRedisConnection, reportRunQueueName } from '@reportrun/queue';
import { createSchedule, deleteSchedule, type ScheduleScope } from '@reportrun/schedules';
import { deleteRedisKeys, startScheduler, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';

// The reconciler looks every half second and re-adds a job missing for over a second, so runs
// whose jobs the Redis flush took are queued again while the test watches.
const schedulerEnv = { RECONCILE_INTERVAL_SECONDS: '0.5', RECONCILE_GRACE_SECONDS: '1', SCHEDULE_POLL_INTERVAL_MS: '200' };

const fixture = useTestFixture({ database, team: 'Schedule firing' });
const services: ServiceProcess[] = [];
afterAll(async () => {
  await Promise.all(services.map((service) => service.stop().catch(() => {})));
});

const scope = (): ScheduleScope => ({ teamId: fixture.teamId, livemode: false });
const query = { dataset: 'balance_transactions', time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, measures: [{ aggregate: 'count' }] };

async function subscribers(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    ids.push((await fixture.db.prisma.member.create({ data: { teamId: fixture.teamId, email: `s${i}-${crypto.randomUUID()}@example.com` } })).id);
  }
  return ids;
}

async function newSchedule(cron: string, subscriberUserIds: string[]) {
  const commandId = (await createSavedReport(fixture.db.prisma, scope(), { name: 'Ledger count', definition: query })).id;
  return createSchedule(fixture.db.prisma, scope(), {
    commandId,
    cronExpression: cron,
    timezone: 'UTC',
    enabled: true,
    name: cron,
    runMode: 'per_subscriber',
    subscriberUserIds,
    misfireGraceSeconds: 60,
  });
}

const slotsOf = (scheduleIds: string[]) =>
  fixture.db.prisma.scheduleSlot.findMany({
    where: { scheduleId: { in: scheduleIds } },
    include: { runs: { select: { id: true, userId: true, createdAt: true, threadId: true } } },
    orderBy: { scheduledAt: 'asc' },
  });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

describe('the firing engine end to end', () => {
  it('two schedulers at once, the queue\'s Redis flushed midway: every per-second slot fires exactly once, one run per subscriber', async () => {
    const members = await subscribers(2);
    const schedules = await Promise.all(Array.from({ length: 8 }, () => newSchedule('* * * * * *', members)));
    const ids = schedules.map((schedule) => schedule.id);
    const env = { ...fixture.environment.env, ...schedulerEnv };
    services.push(...(await Promise.all([startScheduler(env), startScheduler(env)])));
    const countFired = () => fixture.db.prisma.scheduleSlot.count({ where: { scheduleId: { in: ids }, state: 'fired' } });
    await waitFor(countFired, (n) => n >= 100, { timeoutMs: 180_000, intervalMs: 250 });
    // Redis loses every key of this deployment while both schedulers keep firing.
    await deleteRedisKeys(fixture.environment.env.REDIS_URL!, fixture.environment.env.QUEUE_PREFIX!);
    await waitFor(countFired, (n) => n >= 220, { timeoutMs: 180_000, intervalMs: 250 });
    for (const id of ids) expect(await deleteSchedule(fixture.db.prisma, scope(), id)).toBe(true);
    const deletedAt = new Date();

    const slots = await slotsOf(ids);
    for (const id of ids) {
      const own = slots.filter((slot) => slot.scheduleId === id);
      // Every second from the first slot to the last is one slot, fired or (after a stall) missed.
      const seconds = own.map((slot) => slot.scheduledAt.getTime() / 1000);
      expect(seconds).toEqual(seconds.map((_, i) => seconds[0]! + i));
      expect(own.at(-1)!.scheduledAt.getTime()).toBeLessThanOrEqual(deletedAt.getTime());
    }
    const fired = slots.filter((slot) => slot.state === 'fired');
    expect(fired.length).toBeGreaterThanOrEqual(220);
    for (const slot of fired) {
      expect(slot.runs.map((run) => run.userId).sort()).toEqual([...members].sort());
      expect(slot.runs.every((run) => run.threadId === slot.threadId)).toBe(true);
    }
    for (const slot of slots.filter((slot) => slot.state === 'missed')) expect(slot.runs).toHaveLength(0);
    // Both processes took part (each logs the slots it fired).
    expect(services.every((service) => /schedule fired/.test(service.output()))).toBe(true);

    // The reconciler re-added the jobs the flush took: every scheduled run has its job again.
    const runIds = fired.flatMap((slot) => slot.runs.map((run) => run.id));
    const redis = createRedisConnection(fixture.environment.env.REDIS_URL!, 'worker');
    try {
      const prefix = fixture.environment.env.QUEUE_PREFIX!;
      const missingJobs = async () => {
        const pipeline = redis.pipeline();
        for (const id of runIds) pipeline.exists(`${prefix}:${reportRunQueueName}:${id}`);
        const results = (await pipeline.exec()) ?? [];
        return results.filter((result) => result[1] !== 1).length;
      };
      await waitFor(missingJobs, (n) => n === 0, { timeoutMs: 120_000, intervalMs: 500 });
    } finally {
      redis.disconnect();
    }

    const delays = fired.map((slot) => Math.min(...slot.runs.map((run) => run.createdAt.getTime())) - slot.scheduledAt.getTime()).sort((a, b) => a - b);
    console.log(
      `firing delay (scheduled instant -> run created) over ${delays.length} firings, 2 schedulers, 8 per-second schedules: ` +
        `p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms`,
    );
    await Promise.all(services.splice(0).map((service) => service.stop()));
  }, 480_000);

  it('a scheduler killed mid-firing and restarted fires the slot exactly once', async () => {
    const members = await subscribers(2);
    const schedule = await newSchedule('0 0 1 1 *', members);
    const dueAt = new Date(Math.floor(Date.now() / 1000) * 1000 - 1000);
    // A grace wide enough that the restarted scheduler still fires the slot, however slowly
    // the processes start on a loaded machine.
    await fixture.db.prisma.schedule.update({ where: { id: schedule.id }, data: { nextRunTime: dueAt, misfireGraceSeconds: 3600 } });

    // The subscribers' rows are locked, so a run made for them cannot be inserted (its foreign
    // key needs a share lock on the member): the firing stops inside its transaction, after its
    // slot and before its runs. Only the firing touches these rows; locking report_runs instead
    // would also stall the scheduler's other loops, which then hold every pooled connection and
    // the firing never starts.
    const blocker = new pg.Client({ connectionString: fixture.environment.env.DATABASE_URL });
    blocker.on('error', () => {});
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('SELECT id FROM public.members WHERE id = ANY($1::uuid[]) FOR UPDATE', [members]);
    const firstScheduler = await startScheduler({ ...fixture.environment.env, ...schedulerEnv });
    services.push(firstScheduler);
    // Read from another connection: inside the blocker's transaction, pg_stat_activity would
    // keep showing the snapshot it took at its first read.
    const waiting = async () =>
      (
        await fixture.db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'reportrun-scheduler' AND wait_event_type = 'Lock'
             AND query ILIKE '%insert%report_runs%'`,
        )
      ).rows[0]!.n;
    await waitFor(waiting, (n) => n > 0, { timeoutMs: 120_000 }).catch(async (error: unknown) => {
      // Let the scheduler go, so stopping it after the failure does not wait on the lock.
      await blocker.query('ROLLBACK');
      throw error;
    });
    firstScheduler.child.kill('SIGKILL');
    await firstScheduler.stop().catch(() => {});
    services.splice(services.indexOf(firstScheduler), 1);
    await blocker.query('COMMIT');
    // The dead process's transaction is rolled back once its backend notices the client is gone.
    const schedulerBackends = async () =>
      (
        await fixture.db.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'reportrun-scheduler' AND state <> 'idle'`,
        )
      ).rows[0]!.n;
    await waitFor(schedulerBackends, (n) => n === 0, { timeoutMs: 60_000 });
    await blocker.end();
    expect(await fixture.db.prisma.scheduleSlot.count({ where: { scheduleId: schedule.id } })).toBe(0);

    const restarted = await startScheduler({ ...fixture.environment.env, ...schedulerEnv });
    services.push(restarted);
    await waitFor(() => slotsOf([schedule.id]), (slots) => slots.length === 1 && slots[0]!.runs.length === 2, { timeoutMs: 60_000 });
    await Promise.all(services.splice(0).map((service) => service.stop()));
    const [slot, ...more] = await slotsOf([schedule.id]);
    expect(more).toHaveLength(0);
    expect(slot!.scheduledAt.toISOString()).toBe(dueAt.toISOString());
    expect(slot!.state).toBe('fired');
    expect(slot!.runs.map((run) => run.userId).sort()).toEqual([...members].sort());
    const after = await fixture.db.prisma.schedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.nextRunTime!.getTime()).toBeGreaterThan(dueAt.getTime());
    expect(after.lastRunTime?.toISOString()).toBe(dueAt.toISOString());
  }, 300_000);
});
