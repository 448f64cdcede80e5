export {
  startReportRunWorker,
  workerTuningFromEnv,
  defaultWorkerTuning,
  type RunningWorker,
  type WorkerTuning,
} from './worker.ts';
export { createReportRunProcessor, type ProcessorDependencies } from './process-report-run.ts';
export { exportReport, type ExportReportInput, type ExportedFile } from './export-report.ts';
export { classifyFailure } from './failure.ts';
export { ActiveRuns, RunAborted, type RunAbortReason } from './run-abort.ts';
export { installProcessGuard, runInRunContext, currentRunId } from './process-guard.ts';
