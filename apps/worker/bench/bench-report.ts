import { compileReportSql, getCatalogReport, validateReportParameters, type CompiledReport } from '@reportrun/reports';

/** The report every export variant produces: a year of the itemized ledger, all rows. */
export function benchReport(format: 'csv' | 'json' = 'csv'): CompiledReport {
  const report = getCatalogReport('balance_change_from_activity.itemized.1');
  const { values } = validateReportParameters(report, { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' });
  return compileReportSql(report, values, { format, escapeFormulas: true });
}

/** uploadStream's default part size, given to the references explicitly so they cannot drift. */
export const partSize = 8 * 1024 * 1024;
