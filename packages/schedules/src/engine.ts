import { randomUUID } from 'node:crypto';
import type { Config, Logger } from '@reportrun/config';
import type { Prisma, PrismaClient, Schedule, ScheduleSubscriber } from '@reportrun/db';
import { commonScope, findTeamMembers } from '@reportrun/members';
import { enqueueReportRun, type ReportRunQueue } from '@reportrun/queue';
import { DomainError } from '@reportrun/core';
import { resolveRunTarget, runRecordOf } from '@reportrun/runner';
import { createReportRun } from '@reportrun/status';
import { recordEvent } from '@reportrun/webhooks';
import { firingsBetween, nextFiring, zonedCron, type ZonedCron } from './firing.ts';

/**
 * The firing engine. Postgres is the only truth: a schedule's `next_run_time` says what fires
 * next, and a firing is one transaction that locks the schedule row (skipping it if another
 * scheduler holds it), inserts the slot (unique per schedule and instant), the slot's runs
 * (unique per slot and subscriber) and the schedule's new `next_run_time`. A scheduler killed
 * mid-firing leaves nothing behind; a second scheduler finds the row locked, or the slot already
 * taken and `next_run_time` moved on. Jobs are enqueued after the commit; a job lost then (crash,
 * Redis flushed) is re-enqueued by the reconciler, which reads the runs from Postgres.
 */

export interface FiringDependencies {
  prisma: PrismaClient;
  queue: ReportRunQueue;
  logger: Logger;
}

export interface FiringSettings {
  /** Time limit of each scheduled run (the saved-report default, capped by the deployment's). */
  runTimeoutSeconds: number;
  /** Schedules fired per pass at most; the next pass takes the rest. */
  batchSize?: number;
}

/** A scheduled run runs a saved report, whose default time limit is 10 minutes. */
export function firingSettingsFrom(config: Pick<Config, 'RUN_TIMEOUT_SECONDS_MAX'>): FiringSettings {
  return { runTimeoutSeconds: Math.min(600, config.RUN_TIMEOUT_SECONDS_MAX) };
}

export type SlotKind = 'cron' | 'catch_up' | 'manual';

export interface FiredSlot {
  scheduleId: string;
  slotId: string;
  scheduledAt: Date;
  threadId: string;
  kind: SlotKind;
  runIds: string[];
}

export interface FiringPlan {
  /** The slot to fire now, if any: the latest due slot, when it is within the grace. */
  fire: Date | null;
  /** Due slots that will not run, recorded as `missed` (the most recent `maxRecorded`). */
  missed: Date[];
  /** Missed slots beyond those recorded (a very long outage of a very frequent schedule). */
  unrecorded: number;
  next: Date | null;
}

/** Due slots are enumerated up to this many per firing; a longer backlog takes further passes. */
const maxDueSlots = 100_000;

/**
 * What a due schedule does now. Every slot from `nextRunTime` to `now` is due; at most one runs
 * (the latest, if it is no older than the grace), so a scheduler coming back from downtime
 * catches up once rather than once per missed slot; the others are recorded `missed`, never
 * dropped silently. Pure: the engine stores what this decides.
 */
export function planFiring(
  schedule: ZonedCron,
  nextRunTime: Date,
  now: Date,
  graceSeconds: number,
  maxRecorded = 1000,
): FiringPlan {
  const due = [nextRunTime, ...firingsBetween(schedule, nextRunTime, now, maxDueSlots)];
  const latest = due.at(-1)!;
  const withinGrace = now.getTime() - latest.getTime() <= graceSeconds * 1000;
  const missedAll = withinGrace ? due.slice(0, -1) : due;
  const missed = missedAll.slice(-maxRecorded);
  return {
    fire: withinGrace ? latest : null,
    missed,
    unrecorded: missedAll.length - missed.length,
    next: nextFiring(schedule, latest),
  };
}

export interface FiringPassSummary {
  fired: FiredSlot[];
  missed: number;
  failed: number;
  /** The earliest `next_run_time` still ahead, so the loop can sleep until then. */
  nextDueAt: Date | null;
}

/** One pass: fires every due schedule (up to the batch size), then enqueues their runs. */
export async function fireDueSchedules(
  deps: FiringDependencies,
  settings: FiringSettings,
  now: Date = new Date(),
): Promise<FiringPassSummary> {
  const due = await deps.prisma.schedule.findMany({
    where: { enabled: true, deletedAt: null, nextRunTime: { lte: now } },
    select: { id: true },
    orderBy: { nextRunTime: 'asc' },
    take: settings.batchSize ?? 100,
  });
  const summary: FiringPassSummary = { fired: [], missed: 0, failed: 0, nextDueAt: null };
  for (const { id } of due) {
    try {
      const result = await fireSchedule(deps, settings, id, now);
      if (!result) continue;
      summary.missed += result.missed;
      if (result.fired) {
        summary.fired.push(result.fired);
        await enqueueRuns(deps, result.fired.runIds);
      }
    } catch (error) {
      summary.failed += 1;
      deps.logger.error({ err: error, scheduleId: id }, 'could not fire a schedule; the next pass tries again');
    }
  }
  const upcoming = await deps.prisma.schedule.findFirst({
    where: { enabled: true, deletedAt: null, nextRunTime: { gt: now } },
    select: { nextRunTime: true },
    orderBy: { nextRunTime: 'asc' },
  });
  summary.nextDueAt = upcoming?.nextRunTime ?? null;
  return summary;
}

/**
 * Fires one schedule if it is still due, enabled and not deleted, in one transaction; null when
 * another scheduler holds it or it is no longer due.
 */
export async function fireSchedule(
  deps: Pick<FiringDependencies, 'prisma' | 'logger'>,
  settings: FiringSettings,
  scheduleId: string,
  now: Date,
): Promise<{ fired: FiredSlot | null; missed: number } | null> {
  return deps.prisma.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "public"."schedules"
        WHERE id = ${scheduleId}::uuid AND enabled AND deleted_at IS NULL AND next_run_time <= ${now}
        FOR UPDATE SKIP LOCKED`;
      if (locked.length === 0) return null;
      const schedule = await tx.schedule.findUniqueOrThrow({
        where: { id: scheduleId },
        include: { subscribers: true },
      });
      const plan = planFiring(
        zonedCron(schedule.cronExpression, schedule.timezone),
        schedule.nextRunTime!,
        now,
        schedule.misfireGraceSeconds,
      );
      if (plan.missed.length > 0) {
        const recorded = await tx.scheduleSlot.createManyAndReturn({
          data: plan.missed.map((scheduledAt) => ({
            id: randomUUID(),
            scheduleId,
            scheduledAt,
            state: 'missed' as const,
            kind: 'cron',
          })),
          skipDuplicates: true,
          select: { id: true },
        });
        // Each slot recorded missed now is announced once (a slot recorded earlier is skipped).
        for (const slot of recorded) {
          await recordEvent(tx, { teamId: schedule.organizationId, livemode: schedule.livemode, type: 'schedule.missed', subject: { slotId: slot.id } });
        }
        deps.logger.warn(
          {
            scheduleId,
            missed: plan.missed.length + plan.unrecorded,
            from: plan.missed[0]!.toISOString(),
            to: plan.missed.at(-1)!.toISOString(),
            graceSeconds: schedule.misfireGraceSeconds,
          },
          plan.fire ? 'slots missed during downtime; firing the latest once' : 'slots missed beyond their grace',
        );
      }
      const fired = plan.fire
        ? await recordFiring(tx, settings, schedule, plan.fire, plan.missed.length > 0 ? 'catch_up' : 'cron')
        : null;
      await tx.schedule.update({
        where: { id: scheduleId },
        data: { nextRunTime: plan.next, ...(plan.fire ? { lastRunTime: plan.fire } : {}) },
      });
      return { fired, missed: plan.missed.length + plan.unrecorded };
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
}

/**
 * Runs a schedule now (POST …/trigger): a `manual` slot at this instant, with the same runs a
 * cron slot makes. Waits for a firing in progress rather than skipping. Does not move
 * `next_run_time`. Null when the schedule is gone.
 */
export async function triggerSchedule(
  deps: FiringDependencies,
  settings: FiringSettings,
  scheduleId: string,
  now: Date = new Date(),
): Promise<FiredSlot | null> {
  const fired = await deps.prisma.$transaction(
    async (tx) => {
      const locked = await tx.$queryRaw<{ id: string }[]>`
        SELECT id FROM "public"."schedules" WHERE id = ${scheduleId}::uuid AND deleted_at IS NULL FOR UPDATE`;
      if (locked.length === 0) return null;
      const schedule = await tx.schedule.findUniqueOrThrow({
        where: { id: scheduleId },
        include: { subscribers: true },
      });
      // Two triggers in one millisecond are two firings: the later takes the next free instant.
      for (let at = now.getTime(); ; at += 1) {
        const slot = await recordFiring(tx, settings, schedule, new Date(at), 'manual');
        if (slot) return slot;
      }
    },
    { timeout: 60_000, maxWait: 30_000 },
  );
  if (fired) await enqueueRuns(deps, fired.runIds);
  return fired;
}

type Transaction = Prisma.TransactionClient;

/**
 * Inserts a fired slot and its runs; null if the instant is already a slot of the schedule.
 * per_subscriber: one run per subscriber with that member's scope (one unscoped run when the
 * schedule has none). once_and_distribute: one run with the scope all subscribers share. Each
 * subscriber gets a read receipt of the run made for them.
 */
async function recordFiring(
  tx: Transaction,
  settings: FiringSettings,
  schedule: Schedule & { subscribers: ScheduleSubscriber[] },
  scheduledAt: Date,
  kind: SlotKind,
): Promise<FiredSlot | null> {
  const slotId = randomUUID();
  const threadId = randomUUID();
  const { count } = await tx.scheduleSlot.createMany({
    data: [{ id: slotId, scheduleId: schedule.id, scheduledAt, state: 'fired', kind, threadId }],
    skipDuplicates: true,
  });
  if (count === 0) return null;
  const record = await commandRecord(tx, schedule, scheduledAt);
  // findTeamMembers reads only `member`, which a transaction's client has as the client does.
  const members = await findTeamMembers(
    tx as unknown as PrismaClient,
    schedule.organizationId,
    schedule.subscribers.map((subscriber) => subscriber.userId),
  );
  members.sort((a, b) => a.id.localeCompare(b.id));
  const base = {
    teamId: schedule.organizationId,
    livemode: schedule.livemode,
    reportId: schedule.commandId,
    reportName: record.reportName,
    reportParameters: record.reportParameters,
    resultOptions: {},
    timeoutSeconds: settings.runTimeoutSeconds,
    createdBy: `schedule:${schedule.id}`,
    scheduleId: schedule.id,
    slotId,
    threadId,
  };
  const runIds: string[] = [];
  if (schedule.runMode === 'per_subscriber' && members.length > 0) {
    for (const member of members) {
      const run = await createReportRun(tx, { ...base, userId: member.id, dataScope: member.dataScope });
      await tx.runReadReceipt.create({ data: { runId: run.id, userId: member.id } });
      runIds.push(run.id);
    }
  } else {
    const scope = members.length > 0 ? commonScope(members.map((member) => member.dataScope)) : null;
    const run = await createReportRun(tx, { ...base, dataScope: scope });
    if (members.length > 0) {
      await tx.runReadReceipt.createMany({ data: members.map((member) => ({ runId: run.id, userId: member.id })) });
    }
    runIds.push(run.id);
  }
  await recordEvent(tx, { teamId: schedule.organizationId, livemode: schedule.livemode, type: 'schedule.fired', subject: { slotId } });
  return { scheduleId: schedule.id, slotId, scheduledAt, threadId, kind, runIds };
}

/**
 * What the slot's runs record of their command: its name and parameters, with a relative time
 * range resolved at the slot's instant in the schedule's zone ("yesterday" in Europe/Berlin is
 * the Berlin day). A command deleted or no longer valid still makes its runs, with no
 * parameters, and the worker fails them saying why: a schedule that cannot run says so rather
 * than going quiet.
 */
async function commandRecord(
  tx: Transaction,
  schedule: Schedule,
  scheduledAt: Date,
): Promise<{ reportName: string; reportParameters: Record<string, string | string[]> }> {
  try {
    // resolveRunTarget reads only `report`, which a transaction's client has as the client does.
    const target = await resolveRunTarget(tx as unknown as PrismaClient, {
      reportId: schedule.commandId,
      teamId: schedule.organizationId,
      livemode: schedule.livemode,
    });
    const record = runRecordOf(target, { at: scheduledAt, timeZone: schedule.timezone });
    return { reportName: record.reportName, reportParameters: record.reportParameters };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { reportName: schedule.commandId, reportParameters: {} };
  }
}

/** After the commit. A job that cannot be added now is added by the reconciler later. */
async function enqueueRuns(deps: FiringDependencies, runIds: readonly string[]): Promise<void> {
  for (const runId of runIds) {
    try {
      await enqueueReportRun(deps.queue, runId);
    } catch (error) {
      deps.logger.warn({ err: error, runId }, 'could not enqueue a scheduled run; the reconciler will');
    }
  }
}
