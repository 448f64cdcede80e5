import { z } from 'zod';
import { safeText, storableTimestamp } from './input-text.ts';

/**
 * A saved report's time range: fixed instants, or a period relative to when the report runs
 * ("yesterday", "last month"), resolved at run time in a time zone (see `resolveTimeRange` in
 * @reportrun/reports). Calendar periods are calendar periods of that zone: yesterday in
 * Europe/Berlin is 23 or 25 hours long on DST days.
 */
export const relativePeriodSchema = z.enum([
  'previous_day',
  'previous_week',
  'previous_month',
  'month_to_date',
  'last_n_hours',
]);
export type RelativePeriod = z.infer<typeof relativePeriodSchema>;

/** The longest `last_n_hours`: a year, well past any report period the ledger keeps. */
export const maxRelativeHours = 8784;

export const fixedTimeRangeSchema = z
  .object({ from: storableTimestamp(), to: storableTimestamp() })
  .strict()
  .openapi('FixedTimeRange', { description: 'Rows whose time field is in [from, to).' });
export type FixedTimeRange = z.infer<typeof fixedTimeRangeSchema>;

export const relativeTimeRangeSchema = z
  .object({
    relative: relativePeriodSchema,
    n: z
      .number()
      .int({ error: 'must be a whole number of hours' })
      .min(1)
      .max(maxRelativeHours)
      .optional()
      .openapi({ description: 'Hours, for `last_n_hours` only (required there).' }),
    time_zone: safeText(64).optional().openapi({
      description:
        'IANA zone whose calendar the period follows when the report runs outside a schedule; a ' +
        "schedule uses its own zone. Defaults to UTC.",
    }),
  })
  .strict()
  .superRefine((range, context) => {
    if (range.relative === 'last_n_hours' && range.n === undefined)
      context.addIssue({ code: 'custom', path: ['n'], message: 'is required for last_n_hours' });
    if (range.relative !== 'last_n_hours' && range.n !== undefined)
      context.addIssue({ code: 'custom', path: ['n'], message: 'is only allowed with last_n_hours' });
  })
  .openapi('RelativeTimeRange', {
    description:
      'A period relative to when the report runs, in a time zone: previous_day, previous_week ' +
      '(Monday to Monday), previous_month, month_to_date, or last_n_hours (with n).',
  });
export type RelativeTimeRange = z.infer<typeof relativeTimeRangeSchema>;

export const timeRangeSchema = z.union([fixedTimeRangeSchema, relativeTimeRangeSchema]);
export type TimeRange = z.infer<typeof timeRangeSchema>;
