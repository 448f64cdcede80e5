import { InvalidParameter, MissingParameter, UnknownParameter } from '@reportrun/core';
import type { CatalogReport, ReportParameterSpec, ReportParameterValues } from './types.ts';

// RFC 3339 date-time: a full date, a time, and an explicit offset (Z or ±hh:mm).
const rfc3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export interface ValidatedParameters {
  /** Typed values for the compiler. */
  values: ReportParameterValues;
  /** The same values as the run shows them back (timestamps normalised to UTC). */
  normalized: Record<string, string>;
}

const paramPath = (name: string) => `report_parameters.${name}`;

/**
 * Checks parameters against the report's declaration. Anything undeclared, mistyped or out of
 * range is a 400 naming the parameter; nothing is coerced silently.
 */
export function validateReportParameters(
  report: CatalogReport,
  input: Record<string, unknown>,
): ValidatedParameters {
  const specs = new Map(report.parameters.map((spec) => [spec.name, spec]));
  for (const name of Object.keys(input)) {
    if (!specs.has(name)) {
      throw new UnknownParameter(
        paramPath(name),
        `The report '${report.id}' has no parameter '${name}'. It accepts: ${[...specs.keys()].join(', ')}.`,
      );
    }
  }
  const values: ReportParameterValues = {};
  const normalized: Record<string, string> = {};
  for (const spec of report.parameters) {
    const raw = input[spec.name];
    if (raw === undefined || raw === null) {
      if (spec.required) throw new MissingParameter(paramPath(spec.name));
      continue;
    }
    const value = parseValue(spec, raw);
    values[spec.name] = value;
    normalized[spec.name] = value instanceof Date ? value.toISOString() : value;
  }
  const start = values.interval_start;
  const end = values.interval_end;
  if (start instanceof Date && end instanceof Date && start.getTime() >= end.getTime()) {
    throw new InvalidParameter(
      paramPath('interval_end'),
      'interval_end must be later than interval_start (the interval is [start, end)).',
    );
  }
  return { values, normalized };
}

function parseValue(spec: ReportParameterSpec, raw: unknown): Date | string {
  const path = paramPath(spec.name);
  if (typeof raw !== 'string') {
    throw new InvalidParameter(path, `${spec.name} must be a string, not ${describe(raw)}.`);
  }
  switch (spec.type) {
    case 'timestamp': {
      const date = new Date(raw);
      if (!rfc3339.test(raw) || Number.isNaN(date.getTime()) || !isRealCalendarTime(raw)) {
        throw new InvalidParameter(
          path,
          `${spec.name} must be an RFC 3339 timestamp with an offset, e.g. 2025-01-01T00:00:00Z.`,
        );
      }
      return date;
    }
    case 'currency': {
      if (!/^[A-Za-z]{3}$/.test(raw)) {
        throw new InvalidParameter(path, `${spec.name} must be a three-letter ISO 4217 code, e.g. usd.`);
      }
      return raw.toLowerCase();
    }
    case 'string': {
      if (spec.allowedValues && !spec.allowedValues.includes(raw)) {
        throw new InvalidParameter(
          path,
          `${spec.name} must be one of: ${spec.allowedValues.join(', ')}.`,
        );
      }
      if (raw.length > 200) throw new InvalidParameter(path, `${spec.name} is longer than 200 characters.`);
      return raw;
    }
  }
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}

/** `Date` rolls 2025-02-30 over to March; a report interval must name a day that exists. */
function isRealCalendarTime(raw: string): boolean {
  const [year, month, day, hour, minute, second] = raw.match(/\d+/g)!.slice(0, 6).map(Number) as [
    number, number, number, number, number, number,
  ];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour < 24 && minute < 60 && second < 60;
}
