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

const rfc3339 = storableTimestamp();

/**
 * `{from, to}` (fixed instants) or `{relative, n?, time_zone?}` (a period relative to when the
 * report runs). One object rather than a union, so a mistake is named by its own path
 * (`time_range.from`, `time_range.n`) instead of "matches no alternative".
 */
export const timeRangeSchema = z
  .object({
    from: rfc3339.optional().openapi({ description: 'Fixed range: the first instant (inclusive).' }),
    to: rfc3339.optional().openapi({ description: 'Fixed range: the end (exclusive).' }),
    relative: relativePeriodSchema.optional().openapi({
      description:
        'Relative range, resolved when the report runs: previous_day, previous_week (Monday to Monday), ' +
        'previous_month, month_to_date, or last_n_hours (with n).',
    }),
    n: z
      .number()
      .int({ error: 'must be a whole number of hours' })
      .min(1, { error: 'must be at least 1' })
      .max(maxRelativeHours, { error: `must be at most ${maxRelativeHours}` })
      .optional()
      .openapi({ description: 'Hours, for `last_n_hours` only.' }),
    time_zone: safeText(64).optional().openapi({
      description:
        'Relative range: the IANA zone whose calendar days, weeks and months it follows, e.g. Europe/Berlin. ' +
        "A schedule uses its own zone instead. Defaults to UTC.",
    }),
  })
  .strict()
  .superRefine((range, context) => {
    const issue = (path: string, message: string) => context.addIssue({ code: 'custom', path: [path], message });
    if (range.relative === undefined) {
      if (range.from === undefined) issue('from', 'is required (or give a relative range)');
      if (range.to === undefined) issue('to', 'is required (or give a relative range)');
      if (range.n !== undefined) issue('n', 'is only allowed with relative: last_n_hours');
      if (range.time_zone !== undefined) issue('time_zone', 'applies only to a relative range');
      return;
    }
    if (range.from !== undefined) issue('from', 'is not allowed with a relative range');
    if (range.to !== undefined) issue('to', 'is not allowed with a relative range');
    if (range.relative === 'last_n_hours' && range.n === undefined) issue('n', 'is required for last_n_hours');
    if (range.relative !== 'last_n_hours' && range.n !== undefined) issue('n', 'is only allowed with last_n_hours');
  })
  .openapi('TimeRange', {
    description:
      'Either fixed instants {from, to} (rows in [from, to)) or a relative period {relative, n?, time_zone?} ' +
      '("yesterday in Europe/Berlin" is the Berlin calendar day, 23 or 25 hours long at DST).',
  });
export type TimeRange = z.infer<typeof timeRangeSchema>;
export type RelativeTimeRange = TimeRange & { relative: RelativePeriod };
