import { DomainError, hasPrefix, idPrefix } from '@reportrun/core';
import { findSavedReport, type PrismaClient, type ReportRun } from '@reportrun/db';
import { compileSavedReportSql, type CompiledReport } from '@reportrun/reports';

/** `report_…` names a team's saved report; any other report id is in the catalog. */
export function isSavedReportRun(run: Pick<ReportRun, 'reportId'>): boolean {
  return hasPrefix(run.reportId, idPrefix.report);
}

/**
 * Compiles a run of a saved report from its definition as stored now, in the run's own team and
 * mode. A report deleted since the run was created fails the run for good (`report_not_found`);
 * one whose query no longer fits its dataset fails as `saved_report_invalid`.
 */
export async function compileSavedReportRun(
  prisma: PrismaClient,
  run: Pick<ReportRun, 'reportId' | 'teamId' | 'livemode'>,
  options: { format: CompiledReport['format']; escapeFormulas: boolean },
): Promise<CompiledReport> {
  const saved = await findSavedReport(prisma, { teamId: run.teamId, livemode: run.livemode }, run.reportId);
  if (!saved) {
    throw new DomainError('report_not_found', 404, 'Report not found', {
      detail: `The saved report '${run.reportId}' was deleted.`,
    });
  }
  return compileSavedReportSql(saved.id, saved.definition, options);
}
