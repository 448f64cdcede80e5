import { DomainError, hasPrefix, idPrefix, UnknownParameter } from '@reportrun/core';
import { findSavedReport, type PrismaClient } from '@reportrun/db';
import { resolveStoredQuery } from '@reportrun/reports';

/** What a run records about the report it runs. */
export interface RunTarget {
  reportId: string;
  reportName: string;
  reportParameters: Record<string, never>;
  defaultTimeoutSeconds: number;
}

/** `report_…` names a saved report; anything else is looked up in the catalog. */
export function isSavedReportId(report: string): boolean {
  return hasPrefix(report, idPrefix.report);
}

/**
 * A saved report as the target of an async run (`POST /v2/reporting/report_runs` with
 * `report: "report_…"`). Its query is saved with it, so it takes no parameters; the worker reads
 * the definition when it runs, so the run uses the report as it is then.
 */
export async function savedReportRunTarget(
  prisma: PrismaClient,
  scope: { teamId: string; livemode: boolean },
  reportId: string,
  parameters: Record<string, unknown>,
): Promise<RunTarget> {
  const saved = await findSavedReport(prisma, scope, reportId);
  if (!saved) {
    // Another team's saved report is answered exactly like one that does not exist.
    throw new DomainError('report_not_found', 400, 'Unknown report', {
      detail: `There is no report '${reportId}'. GET /v1/reports/saved lists your saved reports.`,
      extensions: { param: 'report' },
    });
  }
  const [unknown] = Object.keys(parameters);
  if (unknown !== undefined) {
    throw new UnknownParameter(
      `report_parameters.${unknown}`,
      'A saved report takes no report_parameters: its query is saved with it. Update the saved report to change what it runs.',
    );
  }
  // Refuse now, not in the worker, a stored query that no longer fits its dataset.
  resolveStoredQuery(saved.id, saved.definition);
  return { reportId: saved.id, reportName: saved.name, reportParameters: {}, defaultTimeoutSeconds: 600 };
}
