import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { safeText, storableTimestampRange } from './input-text.ts';

/**
 * Stripe's v1 Reporting API: `reporting.report_run`, `reporting.report_type` and `file`, with
 * Unix-second timestamps. Bodies arrive form-encoded (Stripe's bracket syntax) or as JSON, so a
 * number may come as a string of digits; both spellings are accepted, nothing else is.
 */

/** The latest second Postgres and RFC 3339 can both hold (9999-12-31T23:59:59Z). */
export const maxUnixSeconds = Math.floor(storableTimestampRange.max.getTime() / 1000);

const unixSecondsMessage = `must be a Unix timestamp in seconds, from 0 to ${maxUnixSeconds}`;

/** A Unix timestamp as JSON (a number) or as a form (digits); `unixSecondsOf` reads either. */
export const unixSecondsInputSchema = z
  .union([z.number().int(), z.string().regex(/^\d{1,15}$/)], { error: unixSecondsMessage })
  .superRefine((value, context) => {
    const seconds = Number(value);
    if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > maxUnixSeconds)
      context.addIssue({ code: 'custom', message: unixSecondsMessage, input: value });
  })
  .openapi({ description: 'Unix timestamp in seconds.', example: 1740787200 });

export const unixSecondsOf = (value: number | string): number => Number(value);

const parameterText = safeText(200);

export const stripeV1ReportRunParametersSchema = z
  .object({
    interval_start: unixSecondsInputSchema.optional(),
    interval_end: unixSecondsInputSchema.optional(),
    columns: z.array(parameterText).max(100).optional(),
    currency: parameterText.optional(),
    reporting_category: parameterText.optional(),
    timezone: parameterText.optional(),
  })
  .strict();

export const createStripeV1ReportRunRequestSchema = openApiRegistry.register(
  'StripeV1CreateReportRunRequest',
  z
    .object({
      report_type: safeText(200).min(1).openapi({
        description: 'A report type id (e.g. `balance.summary.1`) or a saved report id (`report_…`).',
      }),
      parameters: stripeV1ReportRunParametersSchema.optional().default({}),
    })
    .strict(),
);
export type CreateStripeV1ReportRunRequest = z.infer<typeof createStripeV1ReportRunRequestSchema>;

// A fresh object each time: the registered component is referenced by /v1/files, while the run
// embeds its own copy, since a nullable `$ref` does not come out as one that admits null.
const stripeV1FileObject = () =>
  z.object({
    id: z.string(),
    object: z.literal('file'),
    created: z.number().int(),
    expires_at: z.number().int().nullable(),
    filename: z.string(),
    purpose: z.literal('finance_report_run'),
    size: z.number().int(),
    title: z.string().nullable(),
    type: z.string(),
    url: z.string(),
  });

export const stripeV1FileSchema = openApiRegistry.register('StripeV1File', stripeV1FileObject());
export type StripeV1File = z.infer<typeof stripeV1FileSchema>;

export const stripeV1ReportRunSchema = openApiRegistry.register(
  'StripeV1ReportRun',
  z.object({
    id: z.string(),
    object: z.literal('reporting.report_run'),
    created: z.number().int(),
    error: z.string().nullable(),
    livemode: z.boolean(),
    parameters: z.record(z.string(), z.unknown()),
    report_type: z.string(),
    result: stripeV1FileObject().nullable(),
    status: z.enum(['pending', 'succeeded', 'failed']),
    succeeded_at: z.number().int().nullable(),
  }),
);
export type StripeV1ReportRun = z.infer<typeof stripeV1ReportRunSchema>;

const listLimitSchema = z
  .string()
  .regex(/^\d{1,3}$/, { error: 'must be a whole number from 1 to 100' })
  .refine((value) => Number(value) >= 1 && Number(value) <= 100, { error: 'must be a whole number from 1 to 100' })
  .optional()
  .openapi({ description: 'Objects per page, 1 to 100 (default 10).', type: 'string', pattern: '^[0-9]{1,3}$' });

const unixSecondsQuery = (description: string) =>
  z
    .string()
    .regex(/^\d{1,15}$/, { error: unixSecondsMessage })
    .refine((value) => Number(value) <= maxUnixSeconds, { error: unixSecondsMessage })
    .optional()
    .openapi({ description });

const cursor = (description: string) => safeText(100).min(1).optional().openapi({ description });

export const listStripeV1ReportRunsQuerySchema = openApiRegistry.register(
  'StripeV1ListReportRunsQuery',
  z
    .object({
      limit: listLimitSchema,
      starting_after: cursor('A run id (`frr_…`): the page after it (older runs).'),
      ending_before: cursor('A run id (`frr_…`): the page before it (newer runs).'),
      'created[gte]': unixSecondsQuery('Only runs created at or after this Unix second.'),
      'created[gt]': unixSecondsQuery('Only runs created after this Unix second.'),
      'created[lte]': unixSecondsQuery('Only runs created at or before this Unix second.'),
      'created[lt]': unixSecondsQuery('Only runs created before this Unix second.'),
    })
    .strict(),
);
export type ListStripeV1ReportRunsQuery = z.infer<typeof listStripeV1ReportRunsQuerySchema>;

export const stripeV1ReportRunListSchema = openApiRegistry.register(
  'StripeV1ReportRunList',
  z.object({
    object: z.literal('list'),
    url: z.string(),
    has_more: z.boolean(),
    data: z.array(stripeV1ReportRunSchema),
  }),
);
export type StripeV1ReportRunList = z.infer<typeof stripeV1ReportRunListSchema>;

export const stripeV1ReportTypeSchema = openApiRegistry.register(
  'StripeV1ReportType',
  z.object({
    id: z.string(),
    object: z.literal('reporting.report_type'),
    data_available_start: z.number().int(),
    data_available_end: z.number().int(),
    default_columns: z.array(z.string()),
    livemode: z.boolean(),
    name: z.string(),
    updated: z.number().int(),
    version: z.number().int(),
  }),
);
export type StripeV1ReportType = z.infer<typeof stripeV1ReportTypeSchema>;

export const stripeV1ReportTypeListSchema = openApiRegistry.register(
  'StripeV1ReportTypeList',
  z.object({
    object: z.literal('list'),
    url: z.string(),
    has_more: z.boolean(),
    data: z.array(stripeV1ReportTypeSchema),
  }),
);

/** Stripe's v1 error envelope, which Stripe's SDKs turn into their typed errors. */
export const stripeV1ErrorSchema = openApiRegistry.register(
  'StripeV1Error',
  z.object({
    error: z.object({
      type: z.enum(['api_error', 'invalid_request_error', 'idempotency_error']),
      code: z.string(),
      message: z.string(),
      param: z.string().optional(),
      doc_url: z.string().optional(),
    }),
  }),
);
export type StripeV1Error = z.infer<typeof stripeV1ErrorSchema>;
