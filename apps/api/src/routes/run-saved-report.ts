import { QueryTimeout, ResultTooLarge, SavedReportNotSynchronous, type DataScope } from '@reportrun/core';
import type { SavedReport } from '@reportrun/db';
import { runReportQuery, type ReportQueryResult } from '@reportrun/runner';
import {
  bindSettingsSql,
  compileSavedQuery,
  isSavedCatalogDefinition,
  resolveStoredQuery,
  type RawRow,
  type ResultColumn,
} from '@reportrun/reports';
import type { ApiDependencies } from '../dependencies.ts';

/** A saved report's result, before it is shaped as a run answer or an export file. */
export interface SavedReportResult {
  columns: ResultColumn[];
  /** Values in Postgres' text form; numbers are made numbers only where a format wants them. */
  rows: RawRow[];
  asOf: Date;
  freshnessLagMs: number | null;
}

/**
 * Runs a saved report synchronously. At most the query's `limit` rows; when that limit exceeds
 * SAVED_REPORT_SYNC_MAX_ROWS the query asks for one row past the cap, and getting it means the
 * result is too large to answer here (the problem points to the async run). No COUNT(*) first:
 * the one extra row answers the question at the cost of one row.
 */
export async function runSavedReport(
  deps: ApiDependencies,
  report: SavedReport,
  dataScope: DataScope | null = null,
): Promise<SavedReportResult> {
  if (isSavedCatalogDefinition(report.definition)) throw new SavedReportNotSynchronous(report.id);
  const query = resolveStoredQuery(report.id, report.definition);
  const maxRows = deps.config.SAVED_REPORT_SYNC_MAX_ROWS;
  const limit = Math.min(query.limit, maxRows + 1);
  // Raw values: the CSV export neutralises formulas as it writes, JSON keeps them as they are.
  const compiled = compileSavedQuery(query, { format: 'csv', escapeFormulas: false, limit, dataScope });
  const timeoutMs = deps.config.SAVED_REPORT_STATEMENT_TIMEOUT_MS;
  let result: ReportQueryResult;
  try {
    result = await runReportQuery(deps.reportingPool, {
      setup: bindSettingsSql(compiled),
      sql: compiled.sql,
      freshnessKey: query.dataset.freshnessKey,
      statementTimeoutMs: timeoutMs,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === '57014') throw new QueryTimeout(report.id, timeoutMs);
    throw error;
  }
  if (result.rows.length > maxRows) throw new ResultTooLarge(report.id, maxRows);
  return {
    columns: compiled.resultColumns,
    rows: result.rows,
    // A dataset without a freshness record can only be said to be as of now.
    asOf: result.materializedAt ?? new Date(),
    freshnessLagMs: result.freshnessLagMs,
  };
}
