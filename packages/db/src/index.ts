export { createDatabase, createPool, type Database, type PrismaClient } from './client.ts';
export type { Queryable } from './queryable.ts';
export {
  migrateDatabase,
  readMigrations,
  ensureDatabaseExists,
  migrationsDirectory,
  MigrationError,
  type Migration,
  type MigrateResult,
} from './migrate.ts';
export {
  createApiKey,
  createTeam,
  findApiKeyBySecret,
  authenticateApiKeyHash,
  recordApiKeyUse,
  apiKeyUseRecordIntervalMs,
  type AuthenticatedApiKey,
  revokeApiKey,
  listApiKeys,
  listActiveApiKeys,
  getActiveApiKey,
  revokeTeamApiKey,
  hashApiKeySecret,
  type IssuedApiKey,
  type ApiKeyPrincipal,
  type ApiKeySummary,
} from './api-keys.ts';
export { ApiKeyNotFound, ApiKeyRevokesItself } from './api-key-errors.ts';
export {
  createApiKeyAuthenticator,
  apiKeyChangeChannel,
  type ApiKeyAuthenticator,
  type ApiKeyAuthenticatorOptions,
} from './api-key-authenticator.ts';
export {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  deleteExpiredIdempotencyKeys,
  idempotencyKeyRetentionSeconds,
  idempotencyClaimLeaseSeconds,
  type IdempotencyScope,
  type IdempotentRequest,
  type IdempotencyClaim,
  type StoredResponse,
  type ClaimOptions,
} from './idempotency-keys.ts';
export {
  listReportRuns,
  type ReportRunListFilter,
  type ReportRunPosition,
  type ReportRunPageRequest,
  type ReportRunPage,
} from './report-run-list.ts';
export {
  seedDemo,
  seedLedger,
  countLedgerRows,
  demoTeamId,
  ledgerDataset,
  ledgerStart,
  ledgerEnd,
  type SeedResult,
} from './seed.ts';
export { Prisma, type ReportRun, type ReportRunStatus } from './generated/prisma/client.ts';
export {
  createSavedReport,
  findSavedReport,
  listSavedReports,
  updateSavedReport,
  deleteSavedReport,
  type SavedReportScope,
  type SavedReportPage,
} from './saved-reports.ts';
export type { Report as SavedReport } from './generated/prisma/client.ts';
export type { Schedule, ScheduleSubscriber, ScheduleSlot, RunReadReceipt } from './generated/prisma/client.ts';
export { findScopedReportRun, type ReportRunScope } from './report-runs.ts';
export { reportRunFromRow, type ReportRunRow } from './report-run-row.ts';
export { readLedgerAvailability, type DatasetAvailability } from './dataset-availability.ts';
export {
  findStorageZone,
  listStorageZones,
  findTeamStorageZone,
  setTeamStorageZone,
  clearTeamStorageZone,
  credentialsRefPattern,
  type StorageZone,
  type NewStorageZone,
} from './storage-zones.ts';
