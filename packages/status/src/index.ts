export {
  markRunActive,
  updateRunProgress,
  markRunSucceeded,
  markRunFailed,
  markRunCanceled,
  type RunFile,
} from './transitions.ts';
export { createReportRun, type NewReportRun } from './create.ts';
export { markRunRequeued } from './recovery.ts';
export { markResultExpired, resultExpiredAt } from './result-retention.ts';
