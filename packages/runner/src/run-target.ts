import { dataScopeSchema, hasPrefix, idPrefix, ReportNotFound, type DataScope, type ResultFormat } from '@reportrun/core';
import { findSavedReport, type PrismaClient, type ReportRun, type SavedReport } from '@reportrun/db';
import {
  compileReportSql,
  compileSavedReportSql,
  findCatalogReport,
  validateReportParameters,
  type CatalogReport,
  type CompiledReport,
} from '@reportrun/reports';

/** What a run runs: a report of the catalog (code) or a team's saved report (a row). */
export type RunTarget = { kind: 'catalog'; report: CatalogReport } | { kind: 'saved'; report: SavedReport };

/**
 * Resolves what a run runs, the one place that decides "catalog or saved": `report_…` names a
 * team's saved report, looked up in the run's own team and mode; any other id is in the catalog.
 * Throws ReportNotFound when the report is gone.
 */
export async function resolveRunTarget(
  prisma: PrismaClient,
  run: Pick<ReportRun, 'reportId' | 'teamId' | 'livemode'>,
): Promise<RunTarget> {
  if (hasPrefix(run.reportId, idPrefix.report)) {
    const saved = await findSavedReport(prisma, { teamId: run.teamId, livemode: run.livemode }, run.reportId);
    if (!saved) throw new ReportNotFound(run.reportId, 'saved', 'run');
    return { kind: 'saved', report: saved };
  }
  const report = findCatalogReport(run.reportId);
  if (!report) throw new ReportNotFound(run.reportId, 'catalog', 'run');
  return { kind: 'catalog', report };
}

/**
 * The run's SQL. A catalog run's stored parameters are checked against the catalog again; a
 * saved report is compiled from its definition as stored now (one that no longer fits its
 * dataset fails as `saved_report_invalid`). Either way the run's data scope, when it has one,
 * is part of the SQL.
 */
export function compileRunTarget(
  target: RunTarget,
  run: Pick<ReportRun, 'reportParameters' | 'dataScope'>,
  options: { format: ResultFormat; escapeFormulas: boolean },
): CompiledReport {
  const compileOptions = { ...options, dataScope: runDataScope(run) };
  if (target.kind === 'saved')
    return compileSavedReportSql(target.report.id, target.report.definition, compileOptions);
  const { values } = validateReportParameters(target.report, run.reportParameters as Record<string, unknown>);
  return compileReportSql(target.report, values, compileOptions);
}

/**
 * The scope stored on the run, or null when it is unscoped. A stored scope that does not parse
 * throws: running such a run unscoped could show what it must not.
 */
export function runDataScope(run: Pick<ReportRun, 'dataScope'>): DataScope | null {
  return run.dataScope === null ? null : dataScopeSchema.parse(run.dataScope);
}
