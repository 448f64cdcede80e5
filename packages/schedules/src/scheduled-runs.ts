import { InvalidParameter, MissingParameter, ResourceNotFound, type DataScope, type ResultOptionsInput } from '@reportrun/core';
import type { Prisma, PrismaClient, ReportRun, RunReadReceipt } from '@reportrun/db';
import { isMemberId } from '@reportrun/members';
import { enqueueReportRun, type ReportRunQueue } from '@reportrun/queue';
import { createReportRun } from '@reportrun/status';
import { findScheduleOfRun, type ScheduleScope, type StoredSchedule } from './store.ts';

/**
 * Scheduled runs as heyhumm shows them: ordinary report runs that carry a schedule, the member
 * they were made for, read receipts and re-runs. A run without a schedule is not one of them
 * (it is 404 here and lives at `/v2/reporting/report_runs`).
 */

export type ScheduledRun = ReportRun & { user: { email: string } | null; readReceipts: RunReadReceipt[] };

const runInclude = { user: { select: { email: true } }, readReceipts: true } as const;

export interface RunPage {
  runs: ScheduledRun[];
  total: number;
}

export interface RunPageRequest {
  limit: number;
  offset: number;
}

export interface ScheduledRunFilter extends RunPageRequest {
  scheduleId?: string;
  /** Runs made for this member or distributed to them. */
  userId?: string;
  /** With `userId`, that member's receipt; without, whether anyone has read the run. */
  isRead?: boolean;
}

/** The team's scheduled runs, newest first, filtered. */
export async function listScheduledRuns(prisma: PrismaClient, scope: ScheduleScope, filter: ScheduledRunFilter): Promise<RunPage> {
  const userId = filter.userId?.toLowerCase();
  const where: Prisma.ReportRunWhereInput = {
    teamId: scope.teamId,
    livemode: scope.livemode,
    scheduleId: filter.scheduleId ? filter.scheduleId.toLowerCase() : { not: null },
    ...(userId
      ? {
          readReceipts: {
            some: { userId, ...(filter.isRead === undefined ? {} : { readAt: filter.isRead ? { not: null } : null }) },
          },
        }
      : filter.isRead !== undefined
        ? { isRead: filter.isRead }
        : {}),
  };
  const [runs, total] = await Promise.all([
    prisma.reportRun.findMany({
      where,
      include: runInclude,
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: filter.limit,
      skip: filter.offset,
    }),
    prisma.reportRun.count({ where }),
  ]);
  return { runs, total };
}

/** The team's scheduled runs with these ids, newest first (a firing's, however many). */
export async function scheduledRunsByIds(prisma: PrismaClient, scope: ScheduleScope, ids: readonly string[]): Promise<ScheduledRun[]> {
  return prisma.reportRun.findMany({
    where: { id: { in: [...ids] }, teamId: scope.teamId, livemode: scope.livemode, scheduleId: { not: null } },
    include: runInclude,
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

/** A scheduled run of the team with the schedule that made it (deleted schedules included). */
export async function findScheduledRun(
  prisma: PrismaClient,
  scope: ScheduleScope,
  runId: string,
): Promise<{ run: ScheduledRun; schedule: StoredSchedule } | null> {
  const run = await prisma.reportRun.findFirst({
    where: { id: runId, teamId: scope.teamId, livemode: scope.livemode, scheduleId: { not: null } },
    include: runInclude,
  });
  if (!run) return null;
  const schedule = await findScheduleOfRun(prisma, scope, run.scheduleId!);
  return schedule ? { run, schedule } : null;
}

async function requireScheduledRun(prisma: PrismaClient, scope: ScheduleScope, runId: string) {
  const found = await findScheduledRun(prisma, scope, runId);
  if (!found) throw new ResourceNotFound('report_run', runId);
  return found;
}

/**
 * Records that a subscriber read the run. The first read wins: both UPDATEs are conditional on
 * `read_at IS NULL`, so a later read (or a concurrent one) leaves the first time in place. The
 * run's own `is_read`/`read_at` say when anyone first read it; each receipt says when its member
 * did. `userId` may be left out when the run has at most one receipt.
 */
export async function markRunRead(
  prisma: PrismaClient,
  scope: ScheduleScope,
  runId: string,
  userId: string | undefined,
  now: Date = new Date(),
): Promise<ScheduledRun> {
  const { run } = await requireScheduledRun(prisma, scope, runId);
  let reader: string | null = null;
  if (userId !== undefined) {
    reader = userId.toLowerCase();
    if (!isMemberId(reader) || !run.readReceipts.some((receipt) => receipt.userId === reader)) {
      throw new InvalidParameter('user_id', `The member '${userId}' is not a recipient of run '${runId}'.`);
    }
  } else if (run.readReceipts.length > 1) {
    throw new MissingParameter('user_id');
  } else if (run.readReceipts.length === 1) {
    reader = run.readReceipts[0]!.userId;
  }
  await prisma.$transaction([
    ...(reader
      ? [prisma.runReadReceipt.updateMany({ where: { runId, userId: reader, readAt: null }, data: { readAt: now } })]
      : []),
    prisma.reportRun.updateMany({ where: { id: runId, readAt: null }, data: { isRead: true, readAt: now } }),
  ]);
  return prisma.reportRun.findUniqueOrThrow({ where: { id: runId }, include: runInclude });
}

/**
 * Runs a scheduled run again: a new run of the same report, for the same member with the scope
 * the original was limited to (not the member's current one, so a re-run shows what the
 * original was allowed to), in the same thread, unread for the same recipients. The original
 * becomes a source run. Stored in one transaction; the job is enqueued after the commit (the
 * reconciler re-adds it if that fails).
 */
export async function rerunScheduledRun(
  deps: { prisma: PrismaClient; queue: ReportRunQueue },
  scope: ScheduleScope,
  runId: string,
): Promise<ScheduledRun> {
  const { run: source } = await requireScheduledRun(deps.prisma, scope, runId);
  const created = await deps.prisma.$transaction(async (tx) => {
    const run = await createReportRun(tx, {
      teamId: source.teamId,
      livemode: source.livemode,
      reportId: source.reportId,
      reportName: source.reportName,
      reportParameters: source.reportParameters as Record<string, string | string[]>,
      resultOptions: source.resultOptions as ResultOptionsInput,
      timeoutSeconds: source.timeoutSeconds,
      createdBy: `rerun:${source.id}`,
      userId: source.userId,
      dataScope: source.dataScope as DataScope | null,
      scheduleId: source.scheduleId,
      threadId: source.threadId,
      sourceRunId: source.id,
    });
    if (source.readReceipts.length > 0) {
      await tx.runReadReceipt.createMany({ data: source.readReceipts.map((receipt) => ({ runId: run.id, userId: receipt.userId })) });
    }
    await tx.reportRun.update({ where: { id: source.id }, data: { isSourceRun: true } });
    return run;
  });
  try {
    await enqueueReportRun(deps.queue, created.id);
  } catch {
    // The run is stored; the reconciler enqueues runs whose job is missing.
  }
  return deps.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id }, include: runInclude });
}

/** The schedule's runs, newest first, with the schedule and its command's name. */
export async function scheduleRunsPage(
  prisma: PrismaClient,
  scope: ScheduleScope,
  schedule: StoredSchedule,
  page: RunPageRequest,
): Promise<RunPage> {
  return listScheduledRuns(prisma, scope, { ...page, scheduleId: schedule.id });
}

/** A command's display name; a deleted command keeps showing its id. */
export async function commandNameOf(prisma: PrismaClient, schedule: StoredSchedule): Promise<string> {
  const report = await prisma.report.findFirst({
    where: { id: schedule.commandId, teamId: schedule.organizationId, livemode: schedule.livemode },
    select: { name: true },
  });
  return report?.name ?? schedule.commandId;
}
