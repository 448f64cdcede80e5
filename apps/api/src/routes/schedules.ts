import {
  apiPaths,
  commandRunListSchema,
  commandRunSchema,
  createScheduleRequestSchema,
  deletedScheduleSchema,
  InvalidParameter,
  listCommandRunsQuerySchema,
  markRunReadRequestSchema,
  organizationBodySchema,
  organizationQuerySchema,
  ResourceNotFound,
  runDetailsSchema,
  safeText,
  scheduleDetailSchema,
  scheduleListSchema,
  scheduleRunsQuerySchema,
  scheduleRunsSchema,
  triggeredFiringSchema,
  updateScheduleRequestSchema,
  type UpdateScheduleRequest,
} from '@reportrun/core';
import {
  commandNameOf,
  createSchedule,
  deleteSchedule,
  findSchedule,
  findScheduledRun,
  firingSettingsFrom,
  listCommandSchedules,
  listScheduledRuns,
  markRunRead,
  rerunScheduledRun,
  scheduledRunsByIds,
  slotHistory,
  triggerSchedule,
  updateSchedule,
  type SchedulePatch,
  type ScheduleScope,
  type StoredSchedule,
} from '@reportrun/schedules';
import type { Request } from 'express';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { principalOf } from '../http/auth.ts';
import { defineRoute, type ProblemTable } from '../http/route.ts';
import { toCommandRun, toCommandSchedule, toScheduleDetail } from '../views/command-run.ts';

/**
 * heyhumm's schedule and scheduled-run routes. Thin: validation is the schemas', behaviour is
 * @reportrun/schedules'. Every call names its organization, which must be the key's team.
 */

const scheduleProblems: ProblemTable = [
  [400, 'Invalid request; `param` names the field (`cron_expression`, `timezone`, `subscriber_user_ids`, `organization_id`, …)'],
  [401, 'Missing or invalid API key'],
  [404, "No such organization, command, schedule or run for this key (another team's are not found either)"],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];

const commandIdParams = z.object({
  command_id: safeText(200).openapi({ description: 'The command (saved report) id.', format: 'uuid' }),
});
const scheduleIdParams = z.object({
  schedule_id: safeText(200).openapi({ description: 'Schedule id (a UUID).', format: 'uuid' }),
});
const runIdParams = z.object({ run_id: safeText(200).openapi({ description: 'Run id.' }) });

/** The key's team and mode, once the organization the caller named is checked to be that team. */
function scopeOf(request: Request, organizationId: string): ScheduleScope {
  const principal = principalOf(request);
  if (organizationId !== principal.teamId) throw new ResourceNotFound('team', organizationId.slice(0, 100));
  return { teamId: principal.teamId, livemode: principal.livemode };
}

async function requireSchedule(deps: ApiDependencies, scope: ScheduleScope, id: string): Promise<StoredSchedule> {
  const schedule = await findSchedule(deps.prisma, scope, id);
  if (!schedule) throw new ResourceNotFound('schedule', id);
  return schedule;
}

/** heyhumm's field names to the store's, keeping only the fields the request has. */
function scheduleFieldsOf(body: Omit<UpdateScheduleRequest, 'organization_id'>): SchedulePatch {
  const fields: SchedulePatch = {};
  if (body.cron_expression !== undefined) fields.cronExpression = body.cron_expression;
  if (body.timezone !== undefined) fields.timezone = body.timezone;
  if (body.enabled !== undefined) fields.enabled = body.enabled;
  if (body.name !== undefined) fields.name = body.name;
  if (body.run_mode !== undefined) fields.runMode = body.run_mode;
  if (body.subscriber_user_ids !== undefined) fields.subscriberUserIds = body.subscriber_user_ids;
  if (body.misfire_grace_seconds !== undefined) fields.misfireGraceSeconds = body.misfire_grace_seconds;
  return fields;
}

async function scheduleDetail(deps: ApiDependencies, schedule: StoredSchedule) {
  return toScheduleDetail(schedule, await slotHistory(deps.prisma, schedule.id, 20));
}

export const createScheduleRoute = defineRoute({
  method: 'post',
  path: apiPaths.commandSchedules,
  operationId: 'createSchedule',
  summary: 'Schedule a command (saved report) on a cron expression in an IANA time zone, for its subscribers',
  params: commandIdParams,
  body: { schema: createScheduleRequestSchema },
  response: { status: 201, description: 'The schedule', schema: scheduleDetailSchema },
  problems: scheduleProblems,
  async handler({ params: { command_id: commandId }, body, request, deps }) {
    const scope = scopeOf(request, body.organization_id);
    if (body.command_id !== undefined && body.command_id !== commandId)
      throw new InvalidParameter('command_id', 'The body’s command_id must be the command of the path (or be left out).');
    // The create schema fills every default, so the fields below are all present.
    const fields = scheduleFieldsOf(body) as Required<Omit<SchedulePatch, 'misfireGraceSeconds'>> & SchedulePatch;
    const schedule = await createSchedule(deps.prisma, scope, { commandId, ...fields });
    return scheduleDetail(deps, schedule);
  },
});

export const listCommandSchedulesRoute = defineRoute({
  method: 'get',
  path: apiPaths.commandSchedules,
  operationId: 'listCommandSchedules',
  summary: "A command's schedules, oldest first",
  params: commandIdParams,
  query: organizationQuerySchema,
  response: { status: 200, description: 'The schedules', schema: scheduleListSchema },
  problems: scheduleProblems,
  async handler({ params: { command_id: commandId }, query, request, deps }) {
    const schedules = await listCommandSchedules(deps.prisma, scopeOf(request, query.organization_id), commandId);
    return { schedules: await Promise.all(schedules.map((schedule) => scheduleDetail(deps, schedule))) };
  },
});

export const getScheduleRoute = defineRoute({
  method: 'get',
  path: apiPaths.schedule,
  operationId: 'getSchedule',
  summary: 'A schedule, its next five firings and its recent slots (fired and missed)',
  params: scheduleIdParams,
  query: organizationQuerySchema,
  response: { status: 200, description: 'The schedule', schema: scheduleDetailSchema },
  problems: scheduleProblems,
  async handler({ params: { schedule_id: id }, query, request, deps }) {
    return scheduleDetail(deps, await requireSchedule(deps, scopeOf(request, query.organization_id), id));
  },
});

export const updateScheduleRoute = defineRoute({
  method: 'put',
  path: apiPaths.schedule,
  operationId: 'updateSchedule',
  summary: 'Change some of a schedule’s fields; a new cron, zone or enabling moves next_run_time at once',
  params: scheduleIdParams,
  body: { schema: updateScheduleRequestSchema },
  response: { status: 200, description: 'The schedule', schema: scheduleDetailSchema },
  problems: scheduleProblems,
  async handler({ params: { schedule_id: id }, body, request, deps }) {
    const scope = scopeOf(request, body.organization_id);
    const schedule = await updateSchedule(deps.prisma, scope, id, scheduleFieldsOf(body));
    if (!schedule) throw new ResourceNotFound('schedule', id);
    return scheduleDetail(deps, schedule);
  },
});

export const deleteScheduleRoute = defineRoute({
  method: 'delete',
  path: apiPaths.schedule,
  operationId: 'deleteSchedule',
  summary: 'Delete a schedule; once this returns it never fires again (its runs stay)',
  params: scheduleIdParams,
  query: organizationQuerySchema,
  response: { status: 200, description: 'Deleted', schema: deletedScheduleSchema },
  problems: scheduleProblems,
  async handler({ params: { schedule_id: id }, query, request, deps }) {
    if (!(await deleteSchedule(deps.prisma, scopeOf(request, query.organization_id), id)))
      throw new ResourceNotFound('schedule', id);
    return { id: id.toLowerCase(), deleted: true as const };
  },
});

export const triggerScheduleRoute = defineRoute({
  method: 'post',
  path: apiPaths.scheduleTrigger,
  operationId: 'triggerSchedule',
  summary: 'Fire a schedule now: a manual slot at this instant, with the runs a cron slot makes',
  params: scheduleIdParams,
  body: { schema: organizationBodySchema },
  response: { status: 200, description: 'The firing and its runs', schema: triggeredFiringSchema },
  problems: scheduleProblems,
  async handler({ params: { schedule_id: id }, body, request, deps }) {
    const scope = scopeOf(request, body.organization_id);
    await requireSchedule(deps, scope, id);
    const fired = await triggerSchedule(deps, firingSettingsFrom(deps.config), id.toLowerCase());
    if (!fired) throw new ResourceNotFound('schedule', id);
    const runs = await scheduledRunsByIds(deps.prisma, scope, fired.runIds);
    return {
      schedule_id: fired.scheduleId,
      scheduled_at: fired.scheduledAt.toISOString(),
      thread_id: fired.threadId,
      runs: runs.map((run) => toCommandRun(run)),
    };
  },
});

export const scheduleRunsRoute = defineRoute({
  method: 'get',
  path: apiPaths.scheduleRuns,
  operationId: 'listScheduleRuns',
  summary: "A schedule's runs, newest first, with the schedule and its command's name",
  params: scheduleIdParams,
  query: scheduleRunsQuerySchema,
  response: { status: 200, description: 'A page of runs', schema: scheduleRunsSchema },
  problems: scheduleProblems,
  async handler({ params: { schedule_id: id }, query, request, deps }) {
    const scope = scopeOf(request, query.organization_id);
    const schedule = await requireSchedule(deps, scope, id);
    const page = await listScheduledRuns(deps.prisma, scope, { scheduleId: schedule.id, limit: query.limit, offset: query.offset });
    return {
      schedule: toCommandSchedule(schedule),
      command_name: await commandNameOf(deps.prisma, schedule),
      runs: page.runs.map((run) => toCommandRun(run)),
      pagination: { limit: query.limit, offset: query.offset, total: page.total, has_more: query.offset + page.runs.length < page.total },
    };
  },
});

export const listCommandRunsRoute = defineRoute({
  method: 'get',
  path: apiPaths.commandRuns,
  operationId: 'listCommandRuns',
  summary: 'Scheduled runs, newest first, filtered by schedule, member and read state',
  query: listCommandRunsQuerySchema,
  response: { status: 200, description: 'A page of runs', schema: commandRunListSchema },
  problems: scheduleProblems,
  async handler({ query, request, deps }) {
    const scope = scopeOf(request, query.organization_id);
    const page = await listScheduledRuns(deps.prisma, scope, {
      limit: query.limit,
      offset: query.offset,
      ...(query.schedule_id !== undefined ? { scheduleId: query.schedule_id } : {}),
      ...(query.user_id !== undefined ? { userId: query.user_id } : {}),
      ...(query.is_read !== undefined ? { isRead: query.is_read === 'true' } : {}),
    });
    return {
      runs: page.runs.map((run) => toCommandRun(run, query.user_id)),
      pagination: { limit: query.limit, offset: query.offset, total: page.total, has_more: query.offset + page.runs.length < page.total },
    };
  },
});

export const getCommandRunRoute = defineRoute({
  method: 'get',
  path: apiPaths.commandRun,
  operationId: 'getCommandRun',
  summary: 'A scheduled run, the schedule that made it and its command’s name',
  params: runIdParams,
  query: organizationQuerySchema,
  response: { status: 200, description: 'The run', schema: runDetailsSchema },
  problems: scheduleProblems,
  async handler({ params: { run_id: id }, query, request, deps }) {
    const found = await findScheduledRun(deps.prisma, scopeOf(request, query.organization_id), id);
    if (!found) throw new ResourceNotFound('report_run', id);
    return {
      run: toCommandRun(found.run),
      schedule: toCommandSchedule(found.schedule),
      command_name: await commandNameOf(deps.prisma, found.schedule),
    };
  },
});

export const markCommandRunReadRoute = defineRoute({
  method: 'post',
  path: apiPaths.commandRunRead,
  operationId: 'markCommandRunRead',
  summary: 'Record that a recipient read the run (the first read wins)',
  params: runIdParams,
  body: { schema: markRunReadRequestSchema },
  response: { status: 200, description: 'The run, as that recipient sees it', schema: commandRunSchema },
  problems: scheduleProblems,
  async handler({ params: { run_id: id }, body, request, deps }) {
    const run = await markRunRead(deps.prisma, scopeOf(request, body.organization_id), id, body.user_id);
    return toCommandRun(run, body.user_id);
  },
});

export const rerunCommandRunRoute = defineRoute({
  method: 'post',
  path: apiPaths.commandRunRerun,
  operationId: 'rerunCommandRun',
  summary: 'Run a scheduled run again: a new run whose source_run_id is this one',
  params: runIdParams,
  body: { schema: organizationBodySchema },
  response: { status: 201, description: 'The new run', schema: commandRunSchema },
  problems: scheduleProblems,
  async handler({ params: { run_id: id }, body, request, deps }) {
    return toCommandRun(await rerunScheduledRun(deps, scopeOf(request, body.organization_id), id));
  },
});

export const scheduleRoutes = [
  createScheduleRoute,
  listCommandSchedulesRoute,
  getScheduleRoute,
  updateScheduleRoute,
  deleteScheduleRoute,
  triggerScheduleRoute,
  scheduleRunsRoute,
  listCommandRunsRoute,
  getCommandRunRoute,
  markCommandRunReadRoute,
  rerunCommandRunRoute,
];
