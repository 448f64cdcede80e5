import {
  DomainError,
  InvalidParameter,
  savedCatalogReportSchema,
  type RelativePeriod,
  type SavedCatalogReport,
} from '@reportrun/core';
import { findCatalogReport } from './catalog/index.ts';
import { validateReportParameters } from './parameters.ts';
import { resolveTimeRange } from './relative-time-range.ts';
import { resolveTimeZone } from './time-zone.ts';
import type { CatalogReport } from './types.ts';

/**
 * A saved report's definition when it wraps a catalog report: `{catalog_report: {...}}`, as
 * stored (parameters normalized, the time zone canonical). Type aliases, so it is plain JSON.
 */
export type SavedCatalogDefinition = {
  catalog_report: {
    report: string;
    report_parameters: Record<string, string | string[]>;
    time_range?: { relative: RelativePeriod; n?: number; time_zone: string };
  };
};

/** True when a stored definition wraps a catalog report (a saved query has no such key). */
export function isSavedCatalogDefinition(definition: unknown): definition is { catalog_report: unknown } {
  return typeof definition === 'object' && definition !== null && 'catalog_report' in definition;
}

/**
 * The parameters a run of a wrapped catalog report takes when made at `at`: the fixed ones, and
 * with a relative time range, `interval_start`/`interval_end` resolved in `timeZone` (a
 * schedule's), else in the range's own zone, else UTC. Checked against the catalog like a
 * request's; errors name the path under `root`.
 */
export function savedCatalogRunParameters(
  report: CatalogReport,
  saved: SavedCatalogReport,
  at: Date,
  timeZone?: string,
  root = 'catalog_report',
): Record<string, string | string[]> {
  const parameters: Record<string, unknown> = { ...saved.report_parameters };
  const range = saved.time_range;
  if (range !== undefined) {
    if (range.relative === undefined)
      throw new InvalidParameter(`${root}.time_range.relative`, `${root}.time_range must be relative; fix the interval in report_parameters instead.`);
    for (const fixed of ['interval_start', 'interval_end'])
      if (fixed in parameters)
        throw new InvalidParameter(`${root}.report_parameters.${fixed}`, `${fixed} is set by the relative time_range; leave it out.`);
    if (!report.parameters.some((spec) => spec.name === 'interval_start'))
      throw new InvalidParameter(`${root}.time_range`, `The report '${report.id}' takes no interval.`);
    const zone =
      timeZone ??
      resolveTimeZone(range.time_zone ?? 'UTC') ??
      invalid(`${root}.time_range.time_zone`, 'must be an IANA time zone name, e.g. Europe/Berlin.');
    const { from, to } = resolveTimeRange({ relative: range.relative, ...(range.n !== undefined ? { n: range.n } : {}) }, at, zone);
    parameters.interval_start = from.toISOString();
    parameters.interval_end = to.toISOString();
  }
  try {
    return validateReportParameters(report, parameters).normalized;
  } catch (error) {
    // The catalog names `report_parameters.x`; here it sits under the saved report.
    if (error instanceof DomainError && typeof error.extensions.param === 'string')
      throw new InvalidParameter(`${root}.${error.extensions.param}`, error.detail ?? error.message);
    throw error;
  }
}

/**
 * A catalog report to save with fixed parameters, checked now so a saved report always runs:
 * the report exists, the parameters fit it (with a relative range resolved as if it ran now),
 * and the time zone is canonical. Returns the definition to store.
 */
export function resolveSavedCatalogReport(input: SavedCatalogReport, root = 'catalog_report'): SavedCatalogDefinition {
  const parsed = savedCatalogReportSchema.parse(input);
  const report = findCatalogReport(parsed.report) ?? invalid(`${root}.report`, `There is no catalog report '${parsed.report}'.`);
  const normalized = savedCatalogRunParameters(report, parsed, new Date(), undefined, root);
  const range = parsed.time_range;
  if (range?.relative !== undefined) {
    delete normalized.interval_start;
    delete normalized.interval_end;
  }
  return {
    catalog_report: {
      report: report.id,
      report_parameters: normalized,
      ...(range?.relative !== undefined
        ? {
            time_range: {
              relative: range.relative,
              ...(range.n !== undefined ? { n: range.n } : {}),
              time_zone: resolveTimeZone(range.time_zone ?? 'UTC')!,
            },
          }
        : {}),
    },
  };
}

function invalid(param: string, detail: string): never {
  throw new InvalidParameter(param, `${param}: ${detail}`);
}
