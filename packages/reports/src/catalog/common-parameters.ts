import type { ReportParameterSpec } from '../types.ts';

/**
 * The parameters catalog reports share, named as Stripe names them. Each report lists the ones
 * it honours; anything else in a request is refused.
 */

/**
 * Sane outer bounds for an interval. The catalog cannot know which dates a deployment's data
 * covers; the bounds keep a mistyped year (0025, 20250) from becoming a century of daily buckets.
 */
export const supportedInterval = {
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
};

/** The reporting categories of the ledger's balance transactions. */
export const reportingCategories = ['adjustment', 'charge', 'payout', 'refund'] as const;

export const defaultTimeZone = 'Etc/UTC';

export const intervalStart: ReportParameterSpec = {
  name: 'interval_start',
  kind: 'timestamp',
  required: true,
  description: 'Start of the interval (inclusive), an RFC 3339 timestamp with an offset.',
  ...supportedInterval,
};

export const intervalEnd: ReportParameterSpec = {
  name: 'interval_end',
  kind: 'timestamp',
  required: true,
  description: 'End of the interval (exclusive), an RFC 3339 timestamp with an offset.',
  ...supportedInterval,
};

export const currency: ReportParameterSpec = {
  name: 'currency',
  kind: 'currency',
  required: false,
  description: 'Only transactions in this three-letter ISO 4217 currency code.',
};

export const reportingCategory: ReportParameterSpec = {
  name: 'reporting_category',
  kind: 'enum',
  required: false,
  description: 'Only transactions in this reporting category.',
  allowedValues: reportingCategories,
};

export const timezone: ReportParameterSpec = {
  name: 'timezone',
  kind: 'time_zone',
  required: false,
  default: defaultTimeZone,
  description:
    'IANA time zone for local times and day boundaries in the file. Has no effect on ' +
    'interval_start and interval_end, which carry their own offsets.',
};

export const columns: ReportParameterSpec = {
  name: 'columns',
  kind: 'columns',
  required: false,
  description: "The file's columns, in order: any of the report's columns. Defaults to its default columns.",
};
