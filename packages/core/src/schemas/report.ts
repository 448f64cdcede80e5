import { z } from 'zod';
import { openApiRegistry } from '../openapi-registry.ts';

const timestamp = z.iso.datetime({ offset: true });
const allowedValues = z.object({ allowed_values: z.array(z.string()) });

/**
 * One parameter of a report, in the shape of Stripe's v2 `Report.parameters` entries, plus
 * `default` (the value used when the parameter is left out, or null).
 */
export const reportParameterSchema = openApiRegistry.register(
  'ReportParameter',
  z.object({
    type: z.enum(['array', 'enum', 'string', 'timestamp']),
    description: z.string(),
    required: z.boolean(),
    array_details: z
      .object({ element_type: z.literal('enum'), enum_details: allowedValues })
      .nullable()
      .openapi({ description: 'For arrays: the type and allowed values of their elements.' }),
    enum_details: allowedValues.nullable().openapi({ description: 'For enums: the allowed values.' }),
    timestamp_details: z
      .object({ min: timestamp, max: timestamp })
      .nullable()
      .openapi({ description: 'For timestamps: the earliest and latest value accepted.' }),
    default: z
      .union([z.string(), z.array(z.string())])
      .nullable()
      .openapi({ description: 'The value used when the parameter is not given; null when there is none.' }),
  }),
);
export type ReportParameterResource = z.infer<typeof reportParameterSchema>;

export const reportColumnSchema = openApiRegistry.register(
  'ReportColumn',
  z.object({
    name: z.string(),
    kind: z.enum(['dimension', 'measure']),
    type: z.enum(['text', 'decimal', 'integer', 'timestamp', 'date']).openapi({
      description:
        '`decimal`: an amount in major units (a string in JSON results); `timestamp`, `date`: ' +
        'formatted text; `text` cells are the ones formula escaping applies to.',
    }),
    description: z.string(),
    default: z.boolean().openapi({ description: 'Whether the file has this column when the run does not pass `columns`.' }),
  }),
);
export type ReportColumnResource = z.infer<typeof reportColumnSchema>;

/** A report of the catalog: what it returns and which parameters it takes. */
export const reportSchema = openApiRegistry.register(
  'Report',
  z.object({
    id: z.string().openapi({ description: 'The catalog id, e.g. balance.summary.1.' }),
    object: z.literal('v2.reporting.report'),
    livemode: z.boolean(),
    name: z.string(),
    description: z.string(),
    parameters: z.record(z.string(), reportParameterSchema),
    columns: z.array(reportColumnSchema),
  }),
);
export type ReportResource = z.infer<typeof reportSchema>;

/** The whole catalog on one page, in Stripe's v2 list shape. */
export const reportListSchema = openApiRegistry.register(
  'ReportList',
  z.object({
    object: z.literal('list'),
    data: z.array(reportSchema),
    next_page_url: z.string().nullable(),
    previous_page_url: z.string().nullable(),
  }),
);
export type ReportList = z.infer<typeof reportListSchema>;

/** `GET /v2/reporting/reports` takes no query parameters; any is refused by name. */
export const listReportsQuerySchema = z.object({}).strict();
