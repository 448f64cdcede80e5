import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { safeText } from './input-text.ts';

/**
 * Airplane's run API, in its own JSON spelling (camelCase, `ID` upper case). A "task" is a
 * report: a catalog report id or a saved report id.
 */

/** Airplane sends parameter values as JSON scalars; a list parameter (`columns`) as an array. */
const paramValueSchema = z.union([
  safeText(1000),
  z.number(),
  z.boolean(),
  z.array(safeText(200)).max(100),
]);

export const airplaneExecuteRequestSchema = openApiRegistry.register(
  'AirplaneExecuteRequest',
  z
    .object({
      slug: safeText(200).min(1).openapi({ description: 'A catalog report id or a saved report id (`report_…`).' }),
      paramValues: z.record(safeText(100), paramValueSchema).optional().default({}).openapi({
        description: 'The report parameters; timestamps as RFC 3339 strings or Unix seconds.',
      }),
      resources: z.record(safeText(100), safeText(200)).optional().openapi({
        description: 'Accepted for compatibility; reports use no resources.',
      }),
      allowCachedMaxAge: z.number().int().min(0).max(2_147_483_647).optional().openapi({
        description: 'Accepted for compatibility; every execution starts a new run (`isCached` is false).',
      }),
    })
    .strict(),
);
export type AirplaneExecuteRequest = z.infer<typeof airplaneExecuteRequestSchema>;

export const airplaneExecuteResponseSchema = openApiRegistry.register(
  'AirplaneExecuteResponse',
  z.object({ runID: z.string(), isCached: z.literal(false) }),
);

export const airplaneRunStatusSchema = z.enum(['NotStarted', 'Queued', 'Active', 'Succeeded', 'Failed', 'Cancelled']);
export type AirplaneRunStatus = z.infer<typeof airplaneRunStatusSchema>;

export const airplaneParameterSchema = z.object({
  slug: z.string(),
  name: z.string(),
  desc: z.string(),
  type: z.enum(['string', 'datetime']),
  multi: z.boolean(),
  default: z.unknown().optional(),
  constraints: z.object({
    optional: z.boolean(),
    options: z.array(z.object({ label: z.string(), value: z.string() })).optional(),
  }),
});
export type AirplaneParameter = z.infer<typeof airplaneParameterSchema>;

const time = z.string().nullable();

export const airplaneRunSchema = openApiRegistry.register(
  'AirplaneGetRunResponse',
  z.object({
    id: z.string(),
    taskID: z.string(),
    paramValues: z.record(z.string(), z.unknown()),
    params: z.array(airplaneParameterSchema),
    status: airplaneRunStatusSchema,
    createdAt: z.string(),
    createdBy: z.string().nullable(),
    activeAt: time,
    succeededAt: time,
    failedAt: time,
    cancelledAt: time,
    cancelledBy: z.string().nullable(),
    teamID: z.string(),
    timeout: z.number().int(),
    zoneID: z.string().nullable(),
    isPrivate: z.boolean(),
    permissions: z.array(z.unknown()),
    runtime: z.literal('standard'),
    sessionID: z.string().nullable(),
    constraints: z.record(z.string(), z.string()),
    resources: z.record(z.string(), z.string()),
  }),
);
export type AirplaneRun = z.infer<typeof airplaneRunSchema>;

const runIdQuery = z.object({ id: safeText(100).min(1).openapi({ description: 'The run id.' }) }).strict();
export const airplaneRunQuerySchema = runIdQuery;

export const airplaneOutputsSchema = openApiRegistry.register(
  'AirplaneGetOutputsResponse',
  z.object({
    output: z
      .object({
        contentType: z.string(),
        format: z.enum(['csv', 'zip', 'json']),
        size: z.number().int(),
        rows: z.number().int(),
        url: z.string(),
        expiresAt: z.string(),
      })
      .nullable(),
  }),
);
export type AirplaneOutputs = z.infer<typeof airplaneOutputsSchema>;

export const airplaneCancelRequestSchema = openApiRegistry.register(
  'AirplaneCancelRunRequest',
  z.object({ runID: safeText(100).min(1) }).strict(),
);

export const airplaneListRunsQuerySchema = openApiRegistry.register(
  'AirplaneListRunsQuery',
  z
    .object({
      taskID: safeText(200).min(1).optional().openapi({ description: 'Only runs of this task (report).' }),
      page: z
        .string()
        .regex(/^\d{1,6}$/, { error: 'must be a page number from 0' })
        .optional()
        .openapi({ description: 'Page number, from 0.', type: 'string', pattern: '^[0-9]{1,6}$' }),
      limit: z
        .string()
        .regex(/^\d{1,3}$/, { error: 'must be a whole number from 1 to 100' })
        .refine((value) => Number(value) >= 1 && Number(value) <= 100, { error: 'must be a whole number from 1 to 100' })
        .optional()
        .openapi({ description: 'Runs per page, 1 to 100 (default 20).', type: 'string', pattern: '^[0-9]{1,3}$' }),
    })
    .strict(),
);
export type AirplaneListRunsQuery = z.infer<typeof airplaneListRunsQuerySchema>;

export const airplaneRunListSchema = openApiRegistry.register(
  'AirplaneListRunsResponse',
  z.object({ runs: z.array(airplaneRunSchema), hasMore: z.boolean() }),
);
