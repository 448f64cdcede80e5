export {
  resolveRunTarget,
  compileRunTarget,
  runRecordOf,
  runDataScope,
  isSavedReportId,
  type RunTarget,
  type RunRecord,
} from './run-target.ts';
// What resolveRunTarget throws, re-exported so its callers need not know core defines it.
export { ReportNotFound } from '@reportrun/core';
export { exportReport, type ExportReportInput, type ExportedFile } from './export-report.ts';
export { summarizeResult, type MeasureTotals } from './run-summary.ts';
export { RecordCounter, recordCounterFor, type ExportProgress } from './export-progress.ts';
export type { ShardSettings } from './sharded-copy.ts';
export { classifyFailure } from './failure.ts';
export { runReportQuery, type ReportQueryToRun, type ReportQueryResult } from './run-report-query.ts';
export { openStorageZones } from './storage-zones.ts';
