import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { reportRunSchema, reportRunStatusSchema } from './report-run.ts';
import { safeText, storableTimestamp } from './input-text.ts';

/** Page sizes a list accepts; Stripe's bounds. */
export const listLimit = { min: 1, max: 100, default: 20 } as const;

const createdBound = (description: string) =>
  storableTimestamp()
    .optional()
    .openapi({ description });

/**
 * Query parameters of `GET /v2/reporting/report_runs`, as Express's simple query parser hands
 * them over: flat string keys (`created[gte]` is one name), every value a string.
 */
export const listReportRunsQuerySchema = openApiRegistry.register(
  'ListReportRunsQuery',
  z
    .object({
      report: safeText(200).min(1).optional().openapi({ description: 'Only runs of this report.' }),
      status: reportRunStatusSchema.optional().openapi({ description: 'Only runs in this status.' }),
      'created[gte]': createdBound('Only runs created at or after this time.'),
      'created[gt]': createdBound('Only runs created after this time.'),
      'created[lte]': createdBound('Only runs created at or before this time.'),
      'created[lt]': createdBound('Only runs created before this time.'),
      limit: z.coerce
        .number({ error: `must be a whole number from ${listLimit.min} to ${listLimit.max}` })
        .int({ error: `must be a whole number from ${listLimit.min} to ${listLimit.max}` })
        .min(listLimit.min, { error: `must be at least ${listLimit.min}` })
        .max(listLimit.max, { error: `must be at most ${listLimit.max}` })
        .default(listLimit.default)
        .openapi({
          description: 'Runs per page.',
          type: 'integer',
          minimum: listLimit.min,
          maximum: listLimit.max,
          default: listLimit.default,
        }),
      page: z
        .string()
        .min(1)
        .max(2048)
        .regex(/^[A-Za-z0-9_-]+$/, { error: 'must be a page token as the API gave it in next_page_url or previous_page_url' })
        .optional()
        .openapi({
          description:
            'An opaque page token from `next_page_url` or `previous_page_url`. It carries the ' +
            'filters of the first request; only `limit` may be sent with it.',
        }),
    })
    .strict(),
);
export type ListReportRunsQuery = z.infer<typeof listReportRunsQuerySchema>;

/** A page of runs, newest first, in Stripe's v2 list shape. */
export const reportRunListSchema = openApiRegistry.register(
  'ReportRunList',
  z.object({
    object: z.literal('list'),
    data: z.array(reportRunSchema),
    next_page_url: z
      .string()
      .nullable()
      .openapi({ description: 'The next (older) page, or null on the last page.' }),
    previous_page_url: z
      .string()
      .nullable()
      .openapi({ description: 'The previous (newer) page, or null on the first page.' }),
  }),
);
export type ReportRunList = z.infer<typeof reportRunListSchema>;
