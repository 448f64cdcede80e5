export { resolveRunTarget, compileRunTarget, ReportNotFound, type RunTarget } from './run-target.ts';
export { exportReport, type ExportReportInput, type ExportedFile } from './export-report.ts';
export { classifyFailure } from './failure.ts';
