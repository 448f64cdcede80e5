import { InvalidParameter, MissingParameter, UnknownParameter } from '@reportrun/core';
import { resolveTimeZone } from './time-zone.ts';
import type { CatalogReport, ParameterValue, ReportParameterSpec, ReportParameterValues } from './types.ts';
import { parseRfc3339 } from './rfc3339.ts';


export interface ValidatedParameters {
  /** Typed values for the compiler, defaults applied. */
  values: ReportParameterValues;
  /**
   * The values the client gave, as the run shows them back (timestamps normalised to UTC,
   * currencies lowercased). Defaults are not added: they are the catalog's, applied at run time.
   */
  normalized: Record<string, string | string[]>;
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
  const values: Record<string, ParameterValue> = {};
  const normalized: Record<string, string | string[]> = {};
  for (const spec of report.parameters) {
    const raw = input[spec.name];
    if (raw === undefined || raw === null) {
      if (spec.required) throw new MissingParameter(paramPath(spec.name));
      if (spec.kind === 'time_zone') values[spec.name] = spec.default;
      continue;
    }
    const { value, shown } = parseValue(report, spec, raw);
    values[spec.name] = value;
    normalized[spec.name] = shown;
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

function parseValue(
  report: CatalogReport,
  spec: ReportParameterSpec,
  raw: unknown,
): { value: ParameterValue; shown: string | string[] } {
  const path = paramPath(spec.name);
  if (spec.kind === 'columns') {
    const columns = parseColumns(report, path, raw);
    return { value: columns, shown: columns };
  }
  if (typeof raw !== 'string') {
    throw new InvalidParameter(path, `${spec.name} must be a string, not ${describe(raw)}.`);
  }
  switch (spec.kind) {
    case 'timestamp': {
      const date = parseRfc3339(raw);
      if (!date) {
        throw new InvalidParameter(
          path,
          `${spec.name} must be an RFC 3339 timestamp with an offset, e.g. 2025-01-01T00:00:00Z.`,
        );
      }
      if (date.getTime() < spec.min.getTime() || date.getTime() > spec.max.getTime()) {
        throw new InvalidParameter(
          path,
          `${spec.name} must be between ${spec.min.toISOString()} and ${spec.max.toISOString()}.`,
        );
      }
      return { value: date, shown: date.toISOString() };
    }
    case 'currency': {
      if (!/^[A-Za-z]{3}$/.test(raw)) {
        throw new InvalidParameter(path, `${spec.name} must be a three-letter ISO 4217 code, e.g. usd.`);
      }
      return { value: raw.toLowerCase(), shown: raw.toLowerCase() };
    }
    case 'time_zone': {
      const zone = resolveTimeZone(raw);
      if (!zone) {
        throw new InvalidParameter(
          path,
          `${spec.name} must be an IANA time zone name such as America/New_York or Etc/UTC; '${raw}' is not one.`,
        );
      }
      return { value: zone, shown: raw };
    }
    case 'enum': {
      if (!spec.allowedValues.includes(raw)) {
        throw new InvalidParameter(path, `${spec.name} must be one of: ${spec.allowedValues.join(', ')}.`);
      }
      return { value: raw, shown: raw };
    }
  }
}

/** A non-empty list of distinct column names of the report: the file's columns, in order. */
function parseColumns(report: CatalogReport, path: string, raw: unknown): string[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InvalidParameter(path, `columns must be a non-empty array of column names, not ${describe(raw)}.`);
  }
  const known = new Set(report.columns.map((column) => column.name));
  const seen = new Set<string>();
  for (const [index, name] of (raw as unknown[]).entries()) {
    if (typeof name !== 'string') {
      throw new InvalidParameter(path, `columns[${index}] must be a column name, not ${describe(name)}.`);
    }
    if (!known.has(name)) {
      throw new InvalidParameter(
        path,
        `The report '${report.id}' has no column '${name}'. Its columns: ${[...known].join(', ')}.`,
      );
    }
    if (seen.has(name)) throw new InvalidParameter(path, `The column '${name}' is asked for twice.`);
    seen.add(name);
  }
  return [...seen];
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  return value === null ? 'null' : `a ${typeof value}`;
}
