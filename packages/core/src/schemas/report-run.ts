import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { safeText } from './input-text.ts';

export const reportRunStatusSchema = z.enum(['running', 'succeeded', 'failed', 'canceled']);
export type ReportRunStatus = z.infer<typeof reportRunStatusSchema>;

export const fileContentTypeSchema = z.enum(['csv', 'zip', 'json']);
export type FileContentType = z.infer<typeof fileContentTypeSchema>;

export const resultFormatSchema = z.enum(['csv', 'json']);
export type ResultFormat = z.infer<typeof resultFormatSchema>;

const resultOptionsShape = {
  compress_file: z.boolean().optional().default(false).openapi({
    description: 'Put the file in a ZIP archive (`content_type` `zip`).',
  }),
  format: resultFormatSchema.optional().default('csv').openapi({
    description:
      '`csv` (RFC 4180, with a header row) or `json` (JSON Lines: one object per row, keys in ' +
      'column order; decimal amounts as strings, empty cells as null).',
  }),
  escape_formulas: z.boolean().optional().default(true).openapi({
    description:
      'CSV only: text cells starting with =, +, -, @, tab or carriage return get a leading ' +
      "single quote so spreadsheets do not run them as formulas (OWASP). Numbers are never " +
      'changed. Set false for machine consumers that need the raw text.',
  }),
};

export const resultOptionsSchema = z.object(resultOptionsShape).strict();
export type ResultOptions = z.infer<typeof resultOptionsSchema>;
/** Options as stored or given: a missing field means its default (see `storedResultOptions`). */
export type ResultOptionsInput = z.input<typeof resultOptionsSchema>;

const storedResultOptionsSchema = z.object(resultOptionsShape);

/**
 * The effective options of a stored run. Runs created before an option existed stored
 * without it and get its default; a value that no longer parses falls back to the defaults.
 */
export function storedResultOptions(stored: unknown): ResultOptions {
  const parsed = storedResultOptionsSchema.safeParse(stored);
  return parsed.success ? parsed.data : storedResultOptionsSchema.parse({});
}

/** Values of report parameters as a client sends them; each report validates its own. */
export const reportParametersInputSchema = z.record(z.string(), z.unknown());

export const createReportRunRequestSchema = openApiRegistry.register(
  'CreateReportRunRequest',
  z
    .object({
      report: safeText(200).min(1),
      report_parameters: reportParametersInputSchema.optional().default({}),
      result_options: resultOptionsSchema
        .optional()
        .default({ compress_file: false, format: 'csv', escape_formulas: true }),
      /** Limit for this run; defaults to the report's, and never exceeds the deployment's cap. */
      timeout_seconds: z.number().int().min(1).max(7 * 24 * 3600).optional(),
    })
    .strict(),
);
export type CreateReportRunRequest = z.infer<typeof createReportRunRequestSchema>;

export const failureDetailsSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});
export type FailureDetails = z.infer<typeof failureDetailsSchema>;

export const runStageSchema = z.enum(['queued', 'querying', 'uploading']);
export const progressDetailsSchema = z.object({
  stage: runStageSchema,
  rows: z.number().int().optional(),
  bytes: z.number().int().optional(),
});
export type ProgressDetails = z.infer<typeof progressDetailsSchema>;

const timestamp = z.iso.datetime({ offset: true });

export const reportRunSchema = openApiRegistry.register(
  'ReportRun',
  z.object({
    id: z.string(),
    object: z.literal('v2.reporting.report_run'),
    created: timestamp,
    livemode: z.boolean(),
    report: z.string(),
    report_name: z.string(),
    report_parameters: z.record(z.string(), z.unknown()),
    result: z
      .object({
        type: z.literal('file'),
        file: z
          .object({
            content_type: fileContentTypeSchema,
            size: z.number().int(),
            rows: z.number().int(),
            download_url: z.object({ url: z.url(), expires_at: timestamp.nullable() }),
          })
          .nullable(),
      })
      .nullable(),
    result_options: z
      .object({
        compress_file: z.boolean().nullable(),
        format: resultFormatSchema,
        escape_formulas: z.boolean(),
      })
      .nullable(),
    status: reportRunStatusSchema,
    status_details: z.record(z.string(), z.unknown()),
    active_at: timestamp.nullable(),
    succeeded_at: timestamp.nullable(),
    failed_at: timestamp.nullable(),
    canceled_at: timestamp.nullable(),
    canceled_by: z.string().nullable(),
    attempts: z.number().int(),
    timeout_seconds: z.number().int(),
  }),
);
export type ReportRunResource = z.infer<typeof reportRunSchema>;
