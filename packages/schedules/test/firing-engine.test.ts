import { describe, expect, it } from 'vitest';
import { createApiKey, createDatabase, createSavedReport, createTeam, type Database } from '@reportrun/db';
import { createLogger } from '@reportrun/config';
import {
  createSchedule,
  deleteSchedule,
  fireSchedule,
  planFiring,
  slotHistory,
  updateSchedule,
  upcomingFirings,
  zonedCron,
  type ScheduleScope,
} from '@reportrun/schedules';
import { useTestFixture } from '@reportrun/testing';

const fixture = useTestFixture<Database>({ database: { createDatabase, createTeam, createApiKey }, team: 'Firing engine' });
const logger = createLogger('test', 'silent');
const settings = { runTimeoutSeconds: 600 };
const scope = (): ScheduleScope => ({ teamId: fixture.teamId, livemode: false });
const deps = () => ({ prisma: fixture.db.prisma, logger });

const query = { dataset: 'balance_transactions', time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, measures: [{ aggregate: 'count' }] };

async function command(): Promise<string> {
  return (await createSavedReport(fixture.db.prisma, scope(), { name: 'Daily count', definition: query })).id;
}

async function members(count: number, scopes: Record<string, string[]>[] = []): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const member = await fixture.db.prisma.member.create({
      data: { teamId: fixture.teamId, email: `m${i}-${crypto.randomUUID()}@example.com`, dataScope: scopes[i] ?? {} },
    });
    ids.push(member.id);
  }
  return ids;
}

async function scheduleDueAt(cron: string, dueAt: Date, extra: { runMode?: 'per_subscriber' | 'once_and_distribute'; subscribers?: string[]; grace?: number } = {}) {
  const schedule = await createSchedule(fixture.db.prisma, scope(), {
    commandId: await command(),
    cronExpression: cron,
    timezone: 'UTC',
    enabled: true,
    name: 'test',
    runMode: extra.runMode ?? 'per_subscriber',
    subscriberUserIds: extra.subscribers ?? [],
    ...(extra.grace !== undefined ? { misfireGraceSeconds: extra.grace } : {}),
  });
  await fixture.db.prisma.schedule.update({ where: { id: schedule.id }, data: { nextRunTime: dueAt } });
  return schedule;
}

const runsOf = (scheduleId: string) =>
  fixture.db.prisma.reportRun.findMany({ where: { scheduleId }, include: { readReceipts: true }, orderBy: { userId: 'asc' } });

describe('exactly one firing per slot', () => {
  it('a duplicate delivery of the same firing makes no second slot and no second run', async () => {
    const subscribers = await members(2);
    const dueAt = new Date(Date.UTC(2026, 0, 1));
    const schedule = await scheduleDueAt('0 0 1 1 *', dueAt, { subscribers });
    const now = new Date(dueAt.getTime() + 1000);
    const results = await Promise.all(Array.from({ length: 6 }, () => fireSchedule(deps(), settings, schedule.id, now)));
    const fired = results.filter((result) => result?.fired);
    expect(fired).toHaveLength(1);
    expect(await fireSchedule(deps(), settings, schedule.id, now)).toBeNull();
    const slots = await slotHistory(fixture.db.prisma, schedule.id);
    expect(slots.map((slot) => [slot.scheduledAt.toISOString(), slot.state, slot.kind])).toEqual([[dueAt.toISOString(), 'fired', 'cron']]);
    const runs = await runsOf(schedule.id);
    expect(runs.map((run) => run.userId).sort()).toEqual([...subscribers].sort());
    expect(new Set(runs.map((run) => run.threadId))).toEqual(new Set([slots[0]!.threadId]));
    expect(runs.every((run) => run.slotId === slots[0]!.id && run.status === 'running')).toBe(true);
    const after = await fixture.db.prisma.schedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.nextRunTime?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(after.lastRunTime?.toISOString()).toBe(dueAt.toISOString());
  });

  it('the database refuses a second run for the same slot and subscriber', async () => {
    const [member] = await members(1);
    const dueAt = new Date(Date.UTC(2026, 0, 1));
    const schedule = await scheduleDueAt('0 0 1 1 *', dueAt, { subscribers: [member!] });
    await fireSchedule(deps(), settings, schedule.id, new Date(dueAt.getTime() + 1));
    const [run] = await runsOf(schedule.id);
    await expect(
      fixture.db.prisma.reportRun.create({
        data: { ...run!, id: `reprun_${'z'.repeat(26)}`, reportParameters: {}, resultOptions: {}, statusDetails: {}, dataScope: {}, readReceipts: undefined },
      }),
    ).rejects.toThrow(/Unique constraint|report_runs_slot_id_user_key/);
  });
});

describe('per subscriber and once & distribute', () => {
  it('per_subscriber makes one run per member with that member\'s scope; once_and_distribute one run with the common scope and a receipt each', async () => {
    const subscribers = await members(2, [{ currency: ['eur', 'usd'] }, { currency: ['gbp', 'usd'], customer: ['cus_1'] }]);
    const dueAt = new Date(Date.UTC(2026, 5, 1));
    const each = await scheduleDueAt('0 0 1 * *', dueAt, { subscribers });
    const once = await scheduleDueAt('0 0 1 * *', dueAt, { subscribers, runMode: 'once_and_distribute' });
    const now = new Date(dueAt.getTime() + 10);
    await fireSchedule(deps(), settings, each.id, now);
    await fireSchedule(deps(), settings, once.id, now);
    const eachRuns = await runsOf(each.id);
    expect(eachRuns).toHaveLength(2);
    const byUser = new Map(eachRuns.map((run) => [run.userId, run]));
    expect(byUser.get(subscribers[0]!)?.dataScope).toEqual({ currency: ['eur', 'usd'] });
    expect(byUser.get(subscribers[1]!)?.dataScope).toEqual({ currency: ['gbp', 'usd'], customer: ['cus_1'] });
    expect(eachRuns.every((run) => run.readReceipts.length === 1 && run.readReceipts[0]!.userId === run.userId)).toBe(true);
    const onceRuns = await runsOf(once.id);
    expect(onceRuns).toHaveLength(1);
    expect(onceRuns[0]!.userId).toBeNull();
    expect(onceRuns[0]!.dataScope).toEqual({ currency: ['usd'], customer: ['cus_1'] });
    expect(onceRuns[0]!.readReceipts.map((receipt) => receipt.userId).sort()).toEqual([...subscribers].sort());
  });
});

describe('misfires are never silent', () => {
  it('after downtime within the grace, one catch-up run for the latest slot and the others recorded missed', async () => {
    const dueAt = new Date(Date.UTC(2026, 2, 1, 12, 0));
    const schedule = await scheduleDueAt('* * * * *', dueAt, { grace: 300 });
    const now = new Date(dueAt.getTime() + 4 * 60_000 + 30_000); // four more slots passed
    const result = await fireSchedule(deps(), settings, schedule.id, now);
    expect(result?.fired?.kind).toBe('catch_up');
    expect(result?.fired?.scheduledAt.toISOString()).toBe('2026-03-01T12:04:00.000Z');
    const slots = await slotHistory(fixture.db.prisma, schedule.id);
    expect(slots.map((slot) => `${slot.scheduledAt.toISOString().slice(11, 16)} ${slot.state}`)).toEqual([
      '12:04 fired',
      '12:03 missed',
      '12:02 missed',
      '12:01 missed',
      '12:00 missed',
    ]);
    expect(await runsOf(schedule.id)).toHaveLength(1);
    const after = await fixture.db.prisma.schedule.findUniqueOrThrow({ where: { id: schedule.id } });
    expect(after.nextRunTime?.toISOString()).toBe('2026-03-01T12:05:00.000Z');
  });

  it('slots older than the grace are all recorded missed and nothing runs late', async () => {
    const dueAt = new Date(Date.UTC(2026, 2, 1, 12, 0));
    const schedule = await scheduleDueAt('*/10 * * * *', dueAt, { grace: 60 });
    const now = new Date(Date.UTC(2026, 2, 1, 12, 25));
    const result = await fireSchedule(deps(), settings, schedule.id, now);
    expect(result).toEqual({ fired: null, missed: 3 });
    const slots = await slotHistory(fixture.db.prisma, schedule.id);
    expect(slots.map((slot) => slot.state)).toEqual(['missed', 'missed', 'missed']);
    expect(await runsOf(schedule.id)).toHaveLength(0);
  });

  it('plans a per-second backlog as one firing plus recorded misses', () => {
    const plan = planFiring(zonedCron('* * * * * *', 'UTC'), new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:09.500Z'), 5);
    expect(plan.fire?.toISOString()).toBe('2026-01-01T00:00:09.000Z');
    expect(plan.missed).toHaveLength(9);
    expect(plan.next?.toISOString()).toBe('2026-01-01T00:00:10.000Z');
  });
});

describe('disabled and deleted schedules', () => {
  it('a disabled schedule never fires; enabling it moves next_run_time to the next future slot', async () => {
    const dueAt = new Date(Date.now() - 1000);
    const schedule = await scheduleDueAt('* * * * *', dueAt);
    await updateSchedule(fixture.db.prisma, scope(), schedule.id, { enabled: false });
    expect(await fireSchedule(deps(), settings, schedule.id, new Date())).toBeNull();
    const now = new Date();
    const enabled = await updateSchedule(fixture.db.prisma, scope(), schedule.id, { enabled: true }, now);
    expect(enabled!.nextRunTime!.getTime()).toBeGreaterThan(now.getTime());
    expect(await slotHistory(fixture.db.prisma, schedule.id)).toHaveLength(0);
  });

  it('once DELETE returns, the schedule never fires again, even while a firing held it', async () => {
    const dueAt = new Date(Date.now() - 1000);
    const schedule = await scheduleDueAt('* * * * *', dueAt);
    // A firing holds the row: the delete waits for it, then wins.
    const holder = await fixture.db.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM schedules WHERE id = $1 FOR UPDATE', [schedule.id]);
      const deleting = deleteSchedule(fixture.db.prisma, scope(), schedule.id);
      // While the holder has it, a scheduler skips the row rather than waiting.
      expect(await fireSchedule(deps(), settings, schedule.id, new Date())).toBeNull();
      await holder.query('COMMIT');
      expect(await deleting).toBe(true);
    } finally {
      holder.release();
    }
    expect(await fireSchedule(deps(), settings, schedule.id, new Date(Date.now() + 3600_000))).toBeNull();
    expect(await slotHistory(fixture.db.prisma, schedule.id)).toHaveLength(0);
  });
});

describe('next_run_time is the truth', () => {
  it('the instant shown is the instant that fires, and changing cron or zone moves it at once', async () => {
    const now = new Date('2026-03-07T12:00:00Z');
    const schedule = await createSchedule(fixture.db.prisma, scope(), {
      commandId: await command(),
      cronExpression: '30 2 * * *',
      timezone: 'America/New_York',
      enabled: true,
      name: 'nightly',
      runMode: 'per_subscriber',
      subscriberUserIds: [],
    }, now);
    expect(upcomingFirings(schedule).map((date) => date.toISOString())).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:30:00.000Z',
      '2026-03-10T06:30:00.000Z',
      '2026-03-11T06:30:00.000Z',
      '2026-03-12T06:30:00.000Z',
    ]);
    const shown = schedule.nextRunTime!;
    const result = await fireSchedule(deps(), settings, schedule.id, new Date(shown.getTime() + 5));
    expect(result?.fired?.scheduledAt.toISOString()).toBe(shown.toISOString());
    const moved = await updateSchedule(fixture.db.prisma, scope(), schedule.id, { timezone: 'Europe/London' }, new Date('2026-03-08T08:00:00Z'));
    expect(moved!.nextRunTime!.toISOString()).toBe('2026-03-09T02:30:00.000Z');
    const recron = await updateSchedule(fixture.db.prisma, scope(), schedule.id, { cronExpression: '0 9 * * *' }, new Date('2026-03-08T08:00:00Z'));
    expect(recron!.nextRunTime!.toISOString()).toBe('2026-03-08T09:00:00.000Z');
  });
});

describe('bad input is refused before anything is stored', () => {
  it('names the field: cron, zone, subscriber; another team\'s command is 404', async () => {
    const commandId = await command();
    const base = { commandId, cronExpression: '0 0 * * *', timezone: 'UTC', enabled: true, name: 'x', runMode: 'per_subscriber' as const, subscriberUserIds: [] };
    const create = (patch: object, teamScope = scope()) => createSchedule(fixture.db.prisma, teamScope, { ...base, ...patch });
    await expect(create({ cronExpression: '0 0 30 2 *' })).rejects.toMatchObject({ status: 400, extensions: { param: 'cron_expression' } });
    await expect(create({ timezone: 'UTC+3' })).rejects.toMatchObject({ status: 400, extensions: { param: 'timezone' } });
    await expect(create({ subscriberUserIds: [crypto.randomUUID()] })).rejects.toMatchObject({ status: 400, extensions: { param: 'subscriber_user_ids' } });
    const other = await createTeam(fixture.db.prisma, 'Other');
    await expect(create({}, { teamId: other.id, livemode: false })).rejects.toMatchObject({ status: 404, code: 'command_not_found' });
    expect(await fixture.db.prisma.schedule.count({ where: { commandId } })).toBe(0);
  });
});
