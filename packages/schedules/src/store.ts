import { InvalidParameter, ResourceNotFound } from '@reportrun/core';
import type { PrismaClient, Schedule, ScheduleSlot } from '@reportrun/db';
import { findTeamMembers, isMemberId } from '@reportrun/members';
import { nextFiring, nextFirings, zonedCron } from './firing.ts';

/** Schedules belong to one team and one mode, as the saved reports they run. */
export interface ScheduleScope {
  teamId: string;
  livemode: boolean;
}

export type RunMode = 'per_subscriber' | 'once_and_distribute';

export interface NewSchedule {
  commandId: string;
  cronExpression: string;
  timezone: string;
  enabled: boolean;
  name: string;
  runMode: RunMode;
  subscriberUserIds: string[];
  createdByUserId?: string | null;
  misfireGraceSeconds?: number;
}

export type SchedulePatch = Partial<
  Pick<NewSchedule, 'cronExpression' | 'timezone' | 'enabled' | 'name' | 'runMode' | 'subscriberUserIds' | 'misfireGraceSeconds'>
>;

export type StoredSchedule = Schedule & { subscribers: { userId: string }[] };

/**
 * Checks everything before anything is stored: the cron and zone parse, the command is a saved
 * report of the team (another team's is 404, as if it did not exist), and every subscriber is a
 * member of the team.
 */
export async function createSchedule(
  prisma: PrismaClient,
  scope: ScheduleScope,
  input: NewSchedule,
  now: Date = new Date(),
): Promise<StoredSchedule> {
  const timing = zonedCron(input.cronExpression, input.timezone);
  await commandOf(prisma, scope, input.commandId);
  await checkSubscribers(prisma, scope, input.subscriberUserIds);
  const subscribers = [...new Set(input.subscriberUserIds.map((id) => id.toLowerCase()))];
  return prisma.schedule.create({
    data: {
      id: crypto.randomUUID(),
      organizationId: scope.teamId,
      livemode: scope.livemode,
      commandId: input.commandId,
      cronExpression: timing.cron.expression,
      timezone: timing.timeZone,
      enabled: input.enabled,
      name: input.name,
      runMode: input.runMode,
      createdByUserId: input.createdByUserId ?? null,
      ...(input.misfireGraceSeconds !== undefined ? { misfireGraceSeconds: input.misfireGraceSeconds } : {}),
      nextRunTime: input.enabled ? nextFiring(timing, now) : null,
      createdAt: now,
      updatedAt: now,
      subscribers: { create: subscribers.map((userId) => ({ userId })) },
    },
    include: { subscribers: { select: { userId: true } } },
  });
}

/** The team's saved report a schedule runs, or 404 `command_not_found`. */
export async function commandOf(prisma: PrismaClient, scope: ScheduleScope, commandId: string): Promise<{ id: string; name: string }> {
  const report = await prisma.report.findFirst({
    where: { id: commandId, teamId: scope.teamId, livemode: scope.livemode },
    select: { id: true, name: true },
  });
  if (!report) throw new ResourceNotFound('command', commandId);
  return report;
}

async function checkSubscribers(prisma: PrismaClient, scope: ScheduleScope, ids: readonly string[]): Promise<void> {
  const found = new Set((await findTeamMembers(prisma, scope.teamId, ids)).map((member) => member.id.toLowerCase()));
  const strangers = ids.filter((id) => !isMemberId(id) || !found.has(id.toLowerCase()));
  if (strangers.length > 0) {
    throw new InvalidParameter(
      'subscriber_user_ids',
      `Not members of this team: ${strangers.map((id) => `'${id}'`).join(', ')}. Subscribers must be the team's members.`,
    );
  }
}

/** A live schedule of the team; deleted ones, other teams' and malformed ids are null. */
export async function findSchedule(prisma: PrismaClient, scope: ScheduleScope, id: string): Promise<StoredSchedule | null> {
  if (!isMemberId(id)) return null; // the same UUID shape; anything else names no schedule
  return prisma.schedule.findFirst({
    where: { id, organizationId: scope.teamId, livemode: scope.livemode, deletedAt: null },
    include: { subscribers: { select: { userId: true } } },
  });
}

/** Any schedule a run names, deleted ones included (a run keeps showing what made it). */
export async function findScheduleOfRun(prisma: PrismaClient, scope: ScheduleScope, id: string): Promise<StoredSchedule | null> {
  if (!isMemberId(id)) return null;
  return prisma.schedule.findFirst({
    where: { id, organizationId: scope.teamId, livemode: scope.livemode },
    include: { subscribers: { select: { userId: true } } },
  });
}

export async function listCommandSchedules(prisma: PrismaClient, scope: ScheduleScope, commandId: string): Promise<StoredSchedule[]> {
  await commandOf(prisma, scope, commandId);
  return prisma.schedule.findMany({
    where: { commandId, organizationId: scope.teamId, livemode: scope.livemode, deletedAt: null },
    include: { subscribers: { select: { userId: true } } },
    orderBy: { createdAt: 'asc' },
  });
}

/**
 * Applies a partial update under the schedule's row lock (a firing in progress finishes first).
 * A new cron, zone or enabling moves `next_run_time` in the same statement; disabling clears it.
 */
export async function updateSchedule(
  prisma: PrismaClient,
  scope: ScheduleScope,
  id: string,
  patch: SchedulePatch,
  now: Date = new Date(),
): Promise<StoredSchedule | null> {
  const current = await findSchedule(prisma, scope, id);
  if (!current) return null;
  const cronExpression = patch.cronExpression ?? current.cronExpression;
  const timezone = patch.timezone ?? current.timezone;
  const timing = zonedCron(cronExpression, timezone);
  if (patch.subscriberUserIds) await checkSubscribers(prisma, scope, patch.subscriberUserIds);
  const enabled = patch.enabled ?? current.enabled;
  const timingChanged =
    patch.cronExpression !== undefined || patch.timezone !== undefined || (patch.enabled === true && !current.enabled);
  return prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "public"."schedules" WHERE id = ${id}::uuid AND deleted_at IS NULL FOR UPDATE`;
    if (locked.length === 0) return null;
    if (patch.subscriberUserIds) {
      await tx.scheduleSubscriber.deleteMany({ where: { scheduleId: id } });
      await tx.scheduleSubscriber.createMany({
        data: [...new Set(patch.subscriberUserIds.map((userId) => userId.toLowerCase()))].map((userId) => ({ scheduleId: id, userId })),
      });
    }
    return tx.schedule.update({
      where: { id },
      data: {
        cronExpression: timing.cron.expression,
        timezone: timing.timeZone,
        enabled,
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.runMode !== undefined ? { runMode: patch.runMode } : {}),
        ...(patch.misfireGraceSeconds !== undefined ? { misfireGraceSeconds: patch.misfireGraceSeconds } : {}),
        ...(!enabled ? { nextRunTime: null } : timingChanged ? { nextRunTime: nextFiring(timing, now) } : {}),
        updatedAt: now,
      },
      include: { subscribers: { select: { userId: true } } },
    });
  });
}

/**
 * Deletes a schedule for good. The UPDATE waits for a firing that holds the row, and every
 * firing re-checks `deleted_at` under that lock, so once this returns the schedule never fires.
 */
export async function deleteSchedule(prisma: PrismaClient, scope: ScheduleScope, id: string, now: Date = new Date()): Promise<boolean> {
  if (!isMemberId(id)) return false;
  const { count } = await prisma.schedule.updateMany({
    where: { id, organizationId: scope.teamId, livemode: scope.livemode, deletedAt: null },
    data: { deletedAt: now, enabled: false, nextRunTime: null, updatedAt: now },
  });
  return count === 1;
}

/** The next `count` firing instants, from `next_run_time` (the instant that fires) on. */
export function upcomingFirings(schedule: Schedule, count = 5): Date[] {
  if (!schedule.enabled || !schedule.nextRunTime) return [];
  const timing = zonedCron(schedule.cronExpression, schedule.timezone);
  return [schedule.nextRunTime, ...nextFirings(timing, schedule.nextRunTime, count - 1)];
}

/** The schedule's slots, newest first: fired (with their kind) and missed. */
export async function slotHistory(prisma: PrismaClient, scheduleId: string, limit = 50): Promise<ScheduleSlot[]> {
  return prisma.scheduleSlot.findMany({ where: { scheduleId }, orderBy: { scheduledAt: 'desc' }, take: limit });
}
