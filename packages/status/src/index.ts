export {
  markRunFailed,
  markRunCanceled,
  type RunFile,
} from './transitions.ts';
export { createReportRun, type NewReportRun } from './create.ts';
export { markRunRequeued, failAbandonedRun } from './recovery.ts';
export { markResultExpired, resultExpiredAt } from './result-retention.ts';
export {
  startAttempt,
  renewLease,
  recordAttemptProgress,
  succeedAttempt,
  failAttempt,
  requeueAttempt,
  returnAttempt,
  type AttemptLease,
  type AttemptStart,
  type AttemptStartOptions,
} from './attempts.ts';
export { createRunWatcher, type RunWatcher, type RunListener } from './run-watcher.ts';
export { createProgressRecorder, type ProgressRecorder } from './attempt-progress.ts';
export {
  decideAttemptStart,
  type AttemptStartDecision,
  type AttemptStartPolicy,
  type RunAtStart,
} from './attempt-policy.ts';
export { toReportRunResource, signResultDownload, renderReportRun } from './run-resource.ts';
