import type { CommandRunResource, CommandRunStatus, CommandScheduleResource, ScheduleDetailResource } from '@reportrun/core';
import type { ReportRun, ScheduleSlot } from '@reportrun/db';
import { upcomingFirings, type ScheduledRun, type StoredSchedule } from '@reportrun/schedules';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/**
 * heyhumm's status vocabulary for our run states (the table is in docs/schedules.md): a run
 * waiting in the queue is `triggered`, one a worker has started is `running`.
 */
export function commandRunStatusOf(run: Pick<ReportRun, 'status' | 'activeAt'>): CommandRunStatus {
  switch (run.status) {
    case 'running':
      return run.activeAt ? 'running' : 'triggered';
    case 'succeeded':
      return 'completed';
    case 'failed':
      return 'failed';
    case 'canceled':
      return 'cancelled';
  }
}

function errorMessageOf(run: ReportRun): string | null {
  if (run.status !== 'failed' && run.status !== 'canceled') return null;
  const details = run.statusDetails as { message?: unknown };
  if (typeof details.message === 'string') return details.message;
  return run.status === 'canceled' ? 'The run was canceled.' : 'The run failed.';
}

/**
 * heyhumm's `CommandRunResponse`. With `reader`, `is_read`/`read_at` are that member's receipt
 * (a run made once and distributed has one per subscriber); otherwise whether anyone read it.
 */
export function toCommandRun(run: ScheduledRun, reader?: string): CommandRunResource {
  const receipt = reader ? run.readReceipts.find((candidate) => candidate.userId === reader.toLowerCase()) : undefined;
  const readAt = receipt ? receipt.readAt : run.readAt;
  return {
    schedule_id: run.scheduleId!,
    user_id: run.userId,
    id: run.id,
    user_email: run.user?.email ?? null,
    status: commandRunStatusOf(run),
    started_at: iso(run.activeAt),
    completed_at: iso(run.succeededAt ?? run.failedAt ?? run.canceledAt),
    error_message: errorMessageOf(run),
    thread_id: run.threadId,
    summary: run.summary,
    is_read: receipt ? receipt.readAt !== null : run.isRead,
    read_at: iso(readAt),
    created_at: run.createdAt.toISOString(),
    is_source_run: run.isSourceRun,
    source_run_id: run.sourceRunId,
  };
}

/** heyhumm's `CommandScheduleResponse`. */
export function toCommandSchedule(schedule: StoredSchedule): CommandScheduleResource {
  return {
    command_id: schedule.commandId,
    organization_id: schedule.organizationId,
    cron_expression: schedule.cronExpression,
    id: schedule.id,
    next_run_time: iso(schedule.nextRunTime),
    last_run_time: iso(schedule.lastRunTime),
    created_at: schedule.createdAt.toISOString(),
    updated_at: schedule.updatedAt.toISOString(),
    timezone: schedule.timezone,
    enabled: schedule.enabled,
    name: schedule.name,
    run_mode: schedule.runMode,
    created_by_user_id: schedule.createdByUserId,
  };
}

/** A schedule with its subscribers, next five firings and recent slots. */
export function toScheduleDetail(schedule: StoredSchedule, slots: ScheduleSlot[]): ScheduleDetailResource {
  return {
    ...toCommandSchedule(schedule),
    subscriber_user_ids: schedule.subscribers.map((subscriber) => subscriber.userId).toSorted(),
    misfire_grace_seconds: schedule.misfireGraceSeconds,
    upcoming_run_times: upcomingFirings(schedule, 5).map((instant) => instant.toISOString()),
    slots: slots.map((slot) => ({
      scheduled_at: slot.scheduledAt.toISOString(),
      state: slot.state,
      kind: slot.kind as 'cron' | 'catch_up' | 'manual',
      thread_id: slot.threadId,
      recorded_at: slot.recordedAt.toISOString(),
    })),
  };
}
