import {
  dataScopeSchema,
  hasPrefix,
  idPrefix,
  isUuid,
  ReportNotFound,
  SavedReportInvalid,
  savedCatalogReportSchema,
  UnknownParameter,
  type DataScope,
  type ResultFormat,
  type SavedCatalogReport,
} from '@reportrun/core';
import { findSavedReport, type PrismaClient, type ReportRun, type SavedReport } from '@reportrun/db';
import {
  compileReportSql,
  compileSavedReportSql,
  findCatalogReport,
  isSavedCatalogDefinition,
  resolveStoredQuery,
  resolveTimeRange,
  resolveTimeZone,
  savedCatalogRunParameters,
  validateReportParameters,
  type CatalogReport,
  type CompiledReport,
  type ResolvedTimeRange,
} from '@reportrun/reports';

/**
 * What a run runs. `catalog`: a report of the catalog (code), run with the run's parameters;
 * `saved` is set when a team's saved report wraps it with fixed parameters. `query`: a team's
 * saved query over a dataset.
 */
export type RunTarget =
  | { kind: 'catalog'; report: CatalogReport; saved: { report: SavedReport; definition: SavedCatalogReport } | null }
  | { kind: 'saved'; report: SavedReport };

/** A saved report id: a UUID, or the `report_…` id of a report saved before UUIDs. */
export function isSavedReportId(id: string): boolean {
  return isUuid(id) || hasPrefix(id, idPrefix.report);
}

/**
 * Resolves what a run runs, the one place that decides "catalog or saved": a saved report id
 * names a team's saved report, looked up in the run's own team and mode, which is either a query
 * or a catalog report with fixed parameters; any other id is in the catalog. Throws
 * ReportNotFound when the report is gone.
 */
export async function resolveRunTarget(
  prisma: PrismaClient,
  run: Pick<ReportRun, 'reportId' | 'teamId' | 'livemode'>,
): Promise<RunTarget> {
  if (isSavedReportId(run.reportId)) {
    const saved = await findSavedReport(prisma, { teamId: run.teamId, livemode: run.livemode }, run.reportId);
    if (!saved) throw new ReportNotFound(run.reportId, 'saved', 'run');
    if (!isSavedCatalogDefinition(saved.definition)) return { kind: 'saved', report: saved };
    const parsed = savedCatalogReportSchema.safeParse(saved.definition.catalog_report);
    if (!parsed.success) throw new SavedReportInvalid(saved.id, `catalog_report: ${parsed.error.issues[0]!.message}`);
    const report = findCatalogReport(parsed.data.report);
    if (!report)
      throw new SavedReportInvalid(saved.id, `catalog_report.report: the catalog has no report '${parsed.data.report}' any more.`);
    return { kind: 'catalog', report, saved: { report: saved, definition: parsed.data } };
  }
  const report = findCatalogReport(run.reportId);
  if (!report) throw new ReportNotFound(run.reportId, 'catalog', 'run');
  return { kind: 'catalog', report, saved: null };
}

/** What a new run of a target records: which report, under what name, with which parameters. */
export interface RunRecord {
  reportId: string;
  reportName: string;
  reportParameters: Record<string, string | string[]>;
  defaultTimeoutSeconds: number;
}

const savedQueryTimeoutSeconds = 600;

/**
 * The record of a new run of `target` made at `at` (an API request, a schedule's firing).
 * A catalog report takes the request's `parameters`, checked against the catalog. A saved
 * report takes none (what it runs is saved with it): a wrapped catalog report gets its fixed
 * parameters, and a relative time range is resolved now, in `timeZone` when given (a
 * schedule's), else in the saved range's own zone (UTC by default), and stored on the run as
 * `interval_start`/`interval_end`, so every attempt and every re-read of the run agree on it.
 */
export function runRecordOf(
  target: RunTarget,
  { parameters = {}, at, timeZone }: { parameters?: Record<string, unknown>; at: Date; timeZone?: string },
): RunRecord {
  if (target.kind === 'catalog' && target.saved === null) {
    const { report } = target;
    return {
      reportId: report.id,
      reportName: report.name,
      reportParameters: validateReportParameters(report, parameters).normalized,
      defaultTimeoutSeconds: report.defaultTimeoutSeconds,
    };
  }
  const [unknown] = Object.keys(parameters);
  if (unknown !== undefined) {
    throw new UnknownParameter(
      `report_parameters.${unknown}`,
      'A saved report takes no report_parameters: what it runs is saved with it. Update the saved report to change it.',
    );
  }
  if (target.kind === 'catalog') {
    const { report: saved, definition } = target.saved!;
    let reportParameters: Record<string, string | string[]>;
    try {
      reportParameters = savedCatalogRunParameters(target.report, definition, at, timeZone);
    } catch (error) {
      // The stored report no longer fits the catalog: the report's fault, not the request's.
      throw new SavedReportInvalid(saved.id, error instanceof Error ? error.message : String(error));
    }
    return {
      reportId: saved.id,
      reportName: saved.name,
      reportParameters,
      defaultTimeoutSeconds: target.report.defaultTimeoutSeconds,
    };
  }
  const saved = target.report;
  // Refuse now, not in the worker, a stored query that no longer fits its dataset.
  const query = resolveStoredQuery(saved.id, saved.definition, { at, ...(timeZone ? { timeRange: relativeRangeIn(saved, at, timeZone) } : {}) });
  const relative = query.normalized.time_range.relative !== undefined;
  return {
    reportId: saved.id,
    reportName: saved.name,
    reportParameters: relative ? { interval_start: query.from.toISOString(), interval_end: query.to.toISOString() } : {},
    defaultTimeoutSeconds: savedQueryTimeoutSeconds,
  };
}

/** A saved query's relative range resolved in a given zone (a schedule's), or undefined. */
function relativeRangeIn(saved: SavedReport, at: Date, timeZone: string): ResolvedTimeRange | undefined {
  const range = (saved.definition as { time_range?: { relative?: unknown; n?: unknown } } | null)?.time_range;
  if (!range || typeof range.relative !== 'string') return undefined;
  const zone = resolveTimeZone(timeZone);
  if (!zone) throw new RangeError(`not an IANA time zone: ${timeZone}`);
  return resolveTimeRange(
    { relative: range.relative as never, ...(typeof range.n === 'number' ? { n: range.n } : {}) },
    at,
    zone,
  );
}

/**
 * The run's SQL. A catalog run's stored parameters are checked against the catalog again; a
 * saved query is compiled from its definition as stored now (one that no longer fits its
 * dataset fails as `saved_report_invalid`), over the time range stored on the run when it has
 * one. Either way the run's data scope, when it has one, is part of the SQL.
 */
export function compileRunTarget(
  target: RunTarget,
  run: Pick<ReportRun, 'reportParameters' | 'dataScope' | 'createdAt'>,
  options: { format: ResultFormat; escapeFormulas: boolean },
): CompiledReport {
  const compileOptions = { ...options, dataScope: runDataScope(run) };
  const parameters = run.reportParameters as Record<string, unknown>;
  if (target.kind === 'saved') {
    const timeRange = storedTimeRange(parameters);
    return compileSavedReportSql(target.report.id, target.report.definition, {
      ...compileOptions,
      at: run.createdAt,
      ...(timeRange ? { timeRange } : {}),
    });
  }
  const { values } = validateReportParameters(target.report, parameters);
  return compileReportSql(target.report, values, compileOptions);
}

function storedTimeRange(parameters: Record<string, unknown>): ResolvedTimeRange | undefined {
  const { interval_start: start, interval_end: end } = parameters;
  if (typeof start !== 'string' || typeof end !== 'string') return undefined;
  return { from: new Date(start), to: new Date(end) };
}

/**
 * The scope stored on the run, or null when it is unscoped. A stored scope that does not parse
 * throws: running such a run unscoped could show what it must not.
 */
export function runDataScope(run: Pick<ReportRun, 'dataScope'>): DataScope | null {
  return run.dataScope === null ? null : dataScopeSchema.parse(run.dataScope);
}
