import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';
import { idPrefix } from '../ids.ts';
import { safeMultilineText, safeText } from './input-text.ts';
import { timeRangeSchema } from './time-range.ts';

/**
 * Saved reports (everruns' `/v1/reports/saved`): a named query of dimensions and measures over a
 * dataset. These schemas check the *shape* of a query; whether a field exists in the dataset and
 * fits where it is used is decided by the dataset declaration in `@reportrun/reports`, which
 * names the offending path the same way (`query.filters[2].field`).
 */

// A stored value must be exactly the value sent: NUL and lone surrogates are refused (see
// input-text.ts); names and filter values may still hold tabs or newlines.
const plainText = safeMultilineText;


export const timeGrainSchema = z.enum(['hour', 'day', 'week', 'month']);
export type TimeGrain = z.infer<typeof timeGrainSchema>;

export const measureAggregateSchema = z.enum(['sum', 'count', 'count_distinct', 'avg', 'min', 'max']);
export type MeasureAggregate = z.infer<typeof measureAggregateSchema>;

export const filterOperatorSchema = z.enum([
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
  'is_null',
  'is_not_null',
]);
export type FilterOperator = z.infer<typeof filterOperatorSchema>;

const fieldName = plainText(100).openapi({ description: 'A field declared by the dataset.' });

export const savedQueryDimensionSchema = z
  .object({
    field: fieldName,
    grain: timeGrainSchema.optional().openapi({
      description: 'Buckets a timestamp field (required for timestamp fields, refused for others).',
    }),
    time_zone: plainText(64).optional().openapi({
      description: 'IANA time zone the grain is cut in, e.g. America/New_York. Defaults to UTC.',
    }),
  })
  .strict()
  .openapi('SavedQueryDimension', {
    description:
      'A grouping column. Its name in results is the field name, or `<field>_<grain>` for a bucketed ' +
      'timestamp, whose value is the bucket start as RFC 3339 in the time zone (e.g. 2025-03-09T00:00:00-05:00).',
  });
export type SavedQueryDimension = z.infer<typeof savedQueryDimensionSchema>;

export const savedQueryMeasureSchema = z
  .object({
    aggregate: measureAggregateSchema,
    field: fieldName.optional().openapi({ description: 'Omit only for `count` (counts rows).' }),
  })
  .strict()
  .openapi('SavedQueryMeasure', {
    description:
      'An aggregate column, named `<aggregate>_<field>` (or `count`). sum, avg, min and max take integer ' +
      'fields (amounts in minor units); avg is rounded to 4 decimal places.',
  });
export type SavedQueryMeasure = z.infer<typeof savedQueryMeasureSchema>;

const scalarValue = z.union([plainText(1000), z.number()]);
export const savedQueryFilterValueSchema = z.union([scalarValue, z.array(scalarValue).max(100), z.null()]);
export type SavedQueryFilterValue = z.infer<typeof savedQueryFilterValueSchema>;

export const savedQueryFilterSchema = z
  .object({
    field: fieldName,
    op: filterOperatorSchema,
    value: savedQueryFilterValueSchema.optional().openapi({
      description:
        "Of the field's type (strings for text, integers for integer fields, RFC 3339 for timestamps); a " +
        'non-empty array for `in`/`not_in`; absent for `is_null`/`is_not_null`.',
    }),
  })
  .strict()
  .openapi('SavedQueryFilter');
export type SavedQueryFilter = z.infer<typeof savedQueryFilterSchema>;

export const savedQueryOrderBySchema = z
  .object({
    field: plainText(200).openapi({ description: 'A result column name (a dimension or a measure).' }),
    direction: z.enum(['asc', 'desc']).default('asc'),
  })
  .strict()
  .openapi('SavedQueryOrderBy');
export type SavedQueryOrderBy = z.infer<typeof savedQueryOrderBySchema>;

/** Bounds of a query's row limit. The synchronous run answers at most its own cap (config). */
export const savedQueryLimit = { min: 1, max: 1_000_000, default: 100 } as const;

export const savedQuerySchema = z
  .object({
    dataset: plainText(100).openapi({ description: 'The dataset queried, e.g. balance_transactions.' }),
    time_range: timeRangeSchema,
    dimensions: z.array(savedQueryDimensionSchema).max(10).default([]),
    measures: z.array(savedQueryMeasureSchema).max(20).default([]),
    filters: z.array(savedQueryFilterSchema).max(50).default([]),
    order_by: z.array(savedQueryOrderBySchema).max(10).default([]),
    limit: z
      .number()
      .int()
      .min(savedQueryLimit.min)
      .max(savedQueryLimit.max)
      .default(savedQueryLimit.default)
      .openapi({ description: 'At most this many result rows.' }),
  })
  .strict()
  .openapi('SavedReportQuery');
export type SavedQuery = z.infer<typeof savedQuerySchema>;

/**
 * A catalog report with fixed parameters, saved under a name so it can be run and scheduled like
 * any saved report. With a relative `time_range`, `interval_start` and `interval_end` are set
 * from it each time the report runs (and may then not be fixed).
 */
export const savedCatalogReportSchema = z
  .object({
    report: safeText(200).min(1, { error: 'must not be empty' }).openapi({ description: 'A catalog report id, e.g. balance.summary.1.' }),
    report_parameters: z.record(z.string(), z.unknown()).default({}).openapi({
      description: "Fixed values of the report's parameters, as POST /v2/reporting/report_runs takes them.",
    }),
    time_range: timeRangeSchema.optional().openapi({
      description: 'A relative range only: sets interval_start and interval_end when the report runs.',
    }),
  })
  .strict()
  .openapi('SavedCatalogReport');
export type SavedCatalogReport = z.infer<typeof savedCatalogReportSchema>;

const reportName = plainText(200).min(1, { error: 'must not be empty' });

export const createSavedReportRequestSchema = openApiRegistry.register(
  'CreateSavedReportRequest',
  z
    .object({
      name: reportName,
      query: savedQuerySchema.optional().openapi({ description: 'A query over a dataset (or give catalog_report).' }),
      catalog_report: savedCatalogReportSchema.optional().openapi({
        description: 'A catalog report with fixed parameters (or give query).',
      }),
    })
    .strict()
    .superRefine((body, context) => {
      if ((body.query === undefined) === (body.catalog_report === undefined))
        context.addIssue({ code: 'custom', path: ['query'], message: 'give exactly one of query and catalog_report' });
    }),
);
export type CreateSavedReportRequest = z.infer<typeof createSavedReportRequestSchema>;

export const updateSavedReportRequestSchema = openApiRegistry.register(
  'UpdateSavedReportRequest',
  z
    .object({
      name: reportName.optional(),
      query: savedQuerySchema.optional().openapi({ description: 'Replaces the whole query.' }),
      catalog_report: savedCatalogReportSchema
        .optional()
        .openapi({ description: 'Replaces what the report runs with this catalog report.' }),
    })
    .strict()
    .superRefine((body, context) => {
      if (body.query !== undefined && body.catalog_report !== undefined)
        context.addIssue({ code: 'custom', path: ['catalog_report'], message: 'give at most one of query and catalog_report' });
    }),
);
export type UpdateSavedReportRequest = z.infer<typeof updateSavedReportRequestSchema>;

const timestamp = z.iso.datetime({ offset: true });

export const savedReportSchema = openApiRegistry.register(
  'SavedReport',
  z.object({
    id: z.string().openapi({ description: 'A UUID (reports saved before UUIDs keep their `report_…` id).' }),
    object: z.literal('saved_report'),
    livemode: z.boolean(),
    name: z.string(),
    query: savedQuerySchema.optional().openapi({ description: 'Present when the report is a query over a dataset.' }),
    catalog_report: savedCatalogReportSchema
      .optional()
      .openapi({ description: 'Present when the report is a catalog report with fixed parameters.' }),
    created_at: timestamp,
    updated_at: timestamp,
  }),
);
export type SavedReportResource = z.infer<typeof savedReportSchema>;

/** A saved report id: a UUID, or a `report_…` id of a report saved before UUIDs. */
export const savedReportIdPattern = new RegExp(`^(?:${idPrefix.report}_[0-9a-z]{26}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`);

export const savedReportListLimit = { min: 1, max: 100, default: 20 } as const;

export const listSavedReportsQuerySchema = openApiRegistry.register(
  'ListSavedReportsQuery',
  z
    .object({
      limit: z.coerce
        .number({
          error: `must be a whole number from ${savedReportListLimit.min} to ${savedReportListLimit.max}`,
        })
        .int({
          error: `must be a whole number from ${savedReportListLimit.min} to ${savedReportListLimit.max}`,
        })
        .min(savedReportListLimit.min)
        .max(savedReportListLimit.max)
        .default(savedReportListLimit.default)
        .openapi({ type: 'integer', minimum: savedReportListLimit.min, maximum: savedReportListLimit.max }),
      starting_after: z
        .string()
        .regex(savedReportIdPattern, { error: 'must be a saved report id, as the API returned it' })
        .optional()
        .openapi({
          description:
            'A saved report id from the previous page; the list continues after it (an id that no longer ' +
            'exists still marks a position).',
        }),
    })
    .strict(),
);
export type ListSavedReportsQuery = z.infer<typeof listSavedReportsQuerySchema>;

export const savedReportListSchema = openApiRegistry.register(
  'SavedReportList',
  z.object({
    object: z.literal('list'),
    data: z.array(savedReportSchema).openapi({ description: 'Newest first.' }),
    has_more: z.boolean(),
  }),
);
export type SavedReportList = z.infer<typeof savedReportListSchema>;

export const deletedSavedReportSchema = openApiRegistry.register(
  'DeletedSavedReport',
  z.object({ id: z.string(), object: z.literal('saved_report'), deleted: z.literal(true) }),
);
export type DeletedSavedReport = z.infer<typeof deletedSavedReportSchema>;

export const reportResultColumnSchema = z
  .object({
    name: z.string().openapi({ description: 'Column name as it appears in rows.' }),
    kind: z.enum(['dimension', 'measure']),
  })
  .openapi('ReportResultColumn');

const cellSchema = z.union([z.string(), z.number(), z.null()]);

/** everruns' `ReportResult`: what `POST /v1/reports/saved/{id}/run` answers. */
export const reportResultSchema = openApiRegistry.register(
  'ReportResult',
  z.object({
    as_of: timestamp.openapi({
      description: 'When the underlying data was materialized (not when the query ran).',
    }),
    columns: z.array(reportResultColumnSchema),
    rows: z.array(z.record(z.string(), cellSchema)).openapi({
      description: "Objects keyed by column name; numbers for measures. At most the query's limit.",
    }),
    freshness_lag_ms: z.number().int().nullable().openapi({
      description:
        'now − as_of at query time, in milliseconds; null when the dataset has no freshness record.',
    }),
  }),
);
export type ReportResult = z.infer<typeof reportResultSchema>;

export const exportFormatSchema = z.enum(['csv', 'json']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

/** Runs the report for a member: the rows are limited to that member's data scope. */
const runAsMember = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, {
    error: 'must be a member id (a UUID)',
  })
  .optional()
  .openapi({
    format: 'uuid',
    description: "A member of the team: the result holds only rows inside the member's data scope.",
  });

export const runSavedReportRequestSchema = openApiRegistry.register(
  'RunSavedReportRequest',
  z.object({ user_id: runAsMember }).strict(),
);
export type RunSavedReportRequest = z.infer<typeof runSavedReportRequestSchema>;

export const exportSavedReportRequestSchema = openApiRegistry.register(
  'ExportSavedReportRequest',
  z.object({ format: exportFormatSchema.default('csv'), user_id: runAsMember }).strict(),
);
export type ExportSavedReportRequest = z.infer<typeof exportSavedReportRequestSchema>;

/** everruns' `ReportExport`: what `POST /v1/reports/saved/{id}/export` answers. */
export const reportExportSchema = openApiRegistry.register(
  'ReportExport',
  z.object({
    as_of: timestamp,
    content: z.string().openapi({ description: 'The rendered file as UTF-8 text.' }),
    content_type: z.string().openapi({ description: 'text/csv or application/json.' }),
    filename: z.string(),
    format: exportFormatSchema,
    freshness_lag_ms: z.number().int().nullable(),
  }),
);
export type ReportExport = z.infer<typeof reportExportSchema>;
