export {
  startReportRunWorker,
  workerTuningOf,
  type RunningWorker,
  type WorkerStartOptions,
  type WorkerTuning,
} from './worker.ts';
export { createReportRunProcessor, type ProcessorDependencies } from './process-report-run.ts';
export { ActiveRuns, RunAborted, type RunAbortReason } from './run-abort.ts';
export { installProcessGuard, runInRunContext, currentRunId } from './process-guard.ts';
