import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { safeText } from './input-text.ts';

/**
 * heyhumm's schedule and scheduled-run API (`/commands/{command_id}/schedules`, `/schedules/…`,
 * `/reports/runs/…`): its own shapes (`CommandScheduleResponse`, `CommandRunResponse`), field for
 * field, plus what a schedule shows beyond them (subscribers, the next firings, its slots).
 * Every call names its `organization_id` (the key's team), as heyhumm's do.
 */

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const uuid = z.string().openapi({ format: 'uuid' });
const timestamp = z.iso.datetime({ offset: true });

export const organizationIdSchema = safeText(200).openapi({
  description: "The organization (team) the call is for; anything but the API key's team is 404.",
});

const memberIdInput = z.string().regex(uuidPattern, { error: 'must be a member id (a UUID)' }).openapi({ format: 'uuid' });

export const scheduleRunModeSchema = z.enum(['per_subscriber', 'once_and_distribute']).openapi({
  description:
    '`per_subscriber`: one run per subscriber, each limited to that member’s data scope. ' +
    '`once_and_distribute`: one run limited to the scope all subscribers share, with a read receipt for each.',
});

const cronInput = safeText(200).openapi({
  description: 'Five fields (minute hour day-of-month month day-of-week), or six with leading seconds; see docs/schedules.md.',
  example: '0 7 * * 1-5',
});
const timezoneInput = safeText(64).openapi({ description: 'An IANA time zone name (fixed offsets are refused).', example: 'Europe/Berlin' });
const misfireGraceInput = z
  .number()
  .int({ error: 'must be a whole number of seconds' })
  .min(0, { error: 'must be from 0 to 604800' })
  .max(604_800, { error: 'must be from 0 to 604800' })
  .openapi({ description: 'A slot missed by more than this (scheduler down) is recorded as missed instead of run late.' });
const subscribersInput = z
  .array(memberIdInput)
  .max(1000, { error: 'at most 1000 subscribers' })
  .openapi({ description: 'Member ids of the team; each gets the runs (and read receipts) of every firing.' });

export const createScheduleRequestSchema = openApiRegistry.register(
  'CreateScheduleRequest',
  z
    .object({
      command_id: z.string().optional().openapi({ description: 'The same as the path’s `command_id`, if given.' }),
      organization_id: organizationIdSchema,
      cron_expression: cronInput,
      timezone: timezoneInput.default('UTC'),
      enabled: z.boolean().default(true),
      name: safeText(200).pipe(z.string().min(1, { error: 'must not be empty' })),
      run_mode: scheduleRunModeSchema.default('per_subscriber'),
      subscriber_user_ids: subscribersInput.default([]),
      misfire_grace_seconds: misfireGraceInput.optional(),
    })
    .strict(),
);
export type CreateScheduleRequest = z.infer<typeof createScheduleRequestSchema>;

export const updateScheduleRequestSchema = openApiRegistry.register(
  'UpdateScheduleRequest',
  z
    .object({
      organization_id: organizationIdSchema,
      cron_expression: cronInput.optional(),
      timezone: timezoneInput.optional(),
      enabled: z.boolean().optional(),
      name: safeText(200).pipe(z.string().min(1, { error: 'must not be empty' })).optional(),
      run_mode: scheduleRunModeSchema.optional(),
      subscriber_user_ids: subscribersInput.optional(),
      misfire_grace_seconds: misfireGraceInput.optional(),
    })
    .strict(),
);
export type UpdateScheduleRequest = z.infer<typeof updateScheduleRequestSchema>;

/** The body of calls that change nothing but need to name the organization (trigger, rerun). */
export const organizationBodySchema = openApiRegistry.register(
  'OrganizationBody',
  z.object({ organization_id: organizationIdSchema }).strict(),
);

export const markRunReadRequestSchema = openApiRegistry.register(
  'MarkRunReadRequest',
  z
    .object({
      organization_id: organizationIdSchema,
      user_id: memberIdInput.optional().openapi({
        description: 'Whose receipt; required for a run made once and distributed to several subscribers.',
      }),
    })
    .strict(),
);

export const organizationQuerySchema = openApiRegistry.register(
  'OrganizationQuery',
  z.object({ organization_id: organizationIdSchema }).strict(),
);

/** heyhumm's `CommandScheduleResponse`, field for field. */
export const commandScheduleSchema = openApiRegistry.register(
  'CommandSchedule',
  z.object({
    command_id: z.string(),
    organization_id: z.string(),
    cron_expression: z.string(),
    id: uuid,
    next_run_time: timestamp.nullable(),
    last_run_time: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    timezone: z.string(),
    enabled: z.boolean(),
    name: z.string(),
    run_mode: scheduleRunModeSchema,
    created_by_user_id: uuid.nullable(),
  }),
);
export type CommandScheduleResource = z.infer<typeof commandScheduleSchema>;

export const scheduleSlotSchema = openApiRegistry.register(
  'ScheduleSlot',
  z.object({
    scheduled_at: timestamp,
    state: z.enum(['fired', 'missed']),
    kind: z.enum(['cron', 'catch_up', 'manual']),
    thread_id: uuid.nullable(),
    recorded_at: timestamp,
  }),
);

/** A schedule as `/schedules` shows it: heyhumm's fields and what else it is. */
export const scheduleDetailSchema = openApiRegistry.register(
  'ScheduleDetail',
  commandScheduleSchema.extend({
    subscriber_user_ids: z.array(uuid),
    misfire_grace_seconds: z.number().int(),
    upcoming_run_times: z
      .array(timestamp)
      .openapi({ description: 'The next five firing instants, computed by the function the scheduler fires with.' }),
    slots: z.array(scheduleSlotSchema).openapi({ description: 'The most recent slots, newest first: fired and missed.' }),
  }),
);
export type ScheduleDetailResource = z.infer<typeof scheduleDetailSchema>;

export const scheduleListSchema = openApiRegistry.register(
  'ScheduleList',
  z.object({ schedules: z.array(scheduleDetailSchema) }),
);

export const deletedScheduleSchema = openApiRegistry.register(
  'DeletedSchedule',
  z.object({ id: uuid, deleted: z.literal(true) }),
);

/** heyhumm's run statuses; docs/schedules.md maps ours onto them. */
export const commandRunStatusSchema = z.enum(['triggered', 'running', 'completed', 'failed', 'cancelled']);
export type CommandRunStatus = z.infer<typeof commandRunStatusSchema>;

/** heyhumm's `CommandRunResponse`, field for field. */
export const commandRunSchema = openApiRegistry.register(
  'CommandRun',
  z.object({
    schedule_id: uuid,
    user_id: uuid.nullable(),
    id: z.string(),
    user_email: z.string().nullable(),
    status: commandRunStatusSchema,
    started_at: timestamp.nullable(),
    completed_at: timestamp.nullable(),
    error_message: z.string().nullable(),
    thread_id: uuid.nullable(),
    summary: z.string().nullable(),
    is_read: z.boolean(),
    read_at: timestamp.nullable(),
    created_at: timestamp,
    is_source_run: z.boolean(),
    source_run_id: z.string().nullable(),
  }),
);
export type CommandRunResource = z.infer<typeof commandRunSchema>;

export const runDetailsSchema = openApiRegistry.register(
  'RunDetails',
  z.object({ run: commandRunSchema, schedule: commandScheduleSchema, command_name: z.string() }),
);

export const runPaginationSchema = z.object({
  limit: z.number().int(),
  offset: z.number().int(),
  total: z.number().int(),
  has_more: z.boolean(),
});

const limitMessage = 'must be a whole number from 1 to 100';
const pageQuery = {
  limit: z.coerce
    .number({ error: limitMessage })
    .int({ error: limitMessage })
    .min(1, { error: limitMessage })
    .max(100, { error: limitMessage })
    .default(20)
    .openapi({ type: 'integer', minimum: 1, maximum: 100 }),
  offset: z.coerce
    .number({ error: 'must be a whole number from 0 to 100000' })
    .int({ error: 'must be a whole number from 0 to 100000' })
    .min(0, { error: 'must be a whole number from 0 to 100000' })
    .max(100_000, { error: 'must be a whole number from 0 to 100000' })
    .default(0)
    .openapi({ type: 'integer', minimum: 0, maximum: 100_000 }),
};

export const scheduleRunsQuerySchema = openApiRegistry.register(
  'ScheduleRunsQuery',
  z.object({ organization_id: organizationIdSchema, ...pageQuery }).strict(),
);

export const scheduleRunsSchema = openApiRegistry.register(
  'ScheduleRuns',
  z.object({
    schedule: commandScheduleSchema,
    command_name: z.string(),
    runs: z.array(commandRunSchema).openapi({ description: 'Newest first.' }),
    pagination: runPaginationSchema,
  }),
);

export const listCommandRunsQuerySchema = openApiRegistry.register(
  'ListCommandRunsQuery',
  z
    .object({
      organization_id: organizationIdSchema,
      schedule_id: z.string().regex(uuidPattern, { error: 'must be a schedule id (a UUID)' }).optional().openapi({ format: 'uuid' }),
      user_id: memberIdInput.optional().openapi({
        description: 'Runs made for this member, or distributed to them; `is_read` is then their receipt.',
      }),
      is_read: z.enum(['true', 'false'], { error: "must be 'true' or 'false'" }).optional(),
      ...pageQuery,
    })
    .strict(),
);
export type ListCommandRunsQuery = z.infer<typeof listCommandRunsQuerySchema>;

export const commandRunListSchema = openApiRegistry.register(
  'CommandRunList',
  z.object({ runs: z.array(commandRunSchema).openapi({ description: 'Newest first.' }), pagination: runPaginationSchema }),
);

export const triggeredFiringSchema = openApiRegistry.register(
  'TriggeredFiring',
  z.object({
    schedule_id: uuid,
    scheduled_at: timestamp.openapi({ description: 'The instant of the manual slot: when the trigger was received.' }),
    thread_id: uuid,
    runs: z.array(commandRunSchema),
  }),
);
