import { z } from 'zod';
// Registers zod's .openapi() before any schema here uses it.
import '../openapi-registry.ts';

/**
 * Values a client sends that Postgres must later store or compare. Postgres refuses NUL in text
 * and jsonb (22021), a lone UTF-16 surrogate cannot become UTF-8, and a timestamp outside the
 * range below overflows (22008); each is refused here, at the edge, as a 400 naming its
 * parameter, instead of surfacing as a database error.
 */

function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be taken as text, or undefined when it can. */
export function textProblem(value: string, options: { allowControl?: boolean } = {}): string | undefined {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (loneSurrogate.test(value)) return 'must be valid Unicode text';
  if (!options.allowControl && hasControlCharacter(value)) return 'must not contain control characters';
  return undefined;
}

/**
 * A single-line string: an id, a name, a cursor. No control characters, no NUL, valid Unicode.
 */
export const safeText = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((value, context) => {
      const problem = textProblem(value);
      if (problem) context.addIssue({ code: 'custom', message: problem, input: value });
    });

/** Free text that may span lines (tabs and newlines allowed), still without NUL. */
export const safeMultilineText = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .superRefine((value, context) => {
      const problem = textProblem(value, { allowControl: true });
      if (problem) context.addIssue({ code: 'custom', message: problem, input: value });
    });

/**
 * The instants the API accepts: years 0001 to 9999 in UTC. Postgres' timestamptz goes further,
 * but RFC 3339 has four-digit years and JavaScript's `toISOString` writes six-digit ones past
 * 9999, which Postgres then cannot read back.
 */
export const storableTimestampRange = {
  min: new Date('0001-01-01T00:00:00.000Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
} as const;

const calendarDate = /^(\d{4})-(\d{2})-(\d{2})T/;

/** Why an RFC 3339 string names no storable instant (Feb 30, year 0, …), or undefined. */
export function timestampProblem(value: string): string | undefined {
  const match = calendarDate.exec(value);
  if (match) {
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    // Date.UTC rolls Feb 30 over to Mar 2; a date that does not survive the round trip is not one.
    const probe = new Date(Date.UTC(2000, month - 1, day));
    probe.setUTCFullYear(year);
    if (probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return 'is not a calendar date';
  }
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return 'is not a valid timestamp';
  if (time < storableTimestampRange.min.getTime() || time > storableTimestampRange.max.getTime()) {
    return 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z';
  }
  return undefined;
}

const rfc3339Message = 'must be an RFC 3339 timestamp with an offset, e.g. 2025-01-01T00:00:00Z';

/** An RFC 3339 timestamp with an offset that names a real instant Postgres can store. */
export const storableTimestamp = (message = rfc3339Message) =>
  z.iso.datetime({ offset: true, error: message }).superRefine((value, context) => {
    const problem = timestampProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: `${message}; ${value} ${problem}`, input: value });
  });

/** An id of one kind, exactly as the API issues them: `prefix_` + 26 base32 characters. */
export const prefixedId = (prefix: string, description: string) =>
  z
    .string()
    .regex(new RegExp(`^${prefix}_[0-9a-z]{26}$`), { error: `must be an id like ${prefix}_…, as the API returned it` })
    .openapi({ description, pattern: `^${prefix}_[0-9a-z]{26}$` });
