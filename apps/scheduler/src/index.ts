export {
  startScheduler,
  reconcilerSettingsFrom,
  retentionSettingsFrom,
  orphanCleanupSettingsFrom,
  firingSettingsFrom,
  type RunningScheduler,
} from './scheduler.ts';
export {
  reconcileRuns,
  type ReconcilerDependencies,
  type ReconcilerSettings,
  type ReconcileSummary,
} from './reconciler.ts';
export {
  decideRecovery,
  hasLiveLease,
  jobPresenceOf,
  type JobPresence,
  type RecoveryDecision,
  type RecoveryPolicy,
  type RunUnderReview,
} from './recovery-policy.ts';
export {
  expireResults,
  type RetentionDependencies,
  type RetentionSettings,
  type RetentionSummary,
} from './result-retention.ts';
export {
  cleanUpOrphans,
  type OrphanCleanupDependencies,
  type OrphanCleanupSettings,
  type OrphanCleanupSummary,
} from './orphan-cleanup.ts';
export {
  decideOrphan,
  type RunLease,
  type OrphanDecision,
  type OrphanPolicy,
  type OrphanReason,
  type RunOwningLeftover,
  type StoredLeftover,
} from './orphan-policy.ts';
export { startPeriodicTask, type PeriodicTask } from './periodic-task.ts';
