export { createDatabase, createPool, type Database, type PrismaClient } from './client.ts';
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
  revokeApiKey,
  hashApiKeySecret,
  type IssuedApiKey,
  type ApiKeyPrincipal,
} from './api-keys.ts';
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
