// `pnpm db:migrate`: `prisma migrate deploy` where Prisma's schema engine is installed, else the
// built-in runner, which records migrations exactly as Prisma does so either can follow the other.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigOrExit } from '@reportrun/config';
import { ensureDatabaseExists, migrateDatabase } from '../migrate.ts';

function schemaEngineAvailable(): boolean {
  const configured = process.env.PRISMA_SCHEMA_ENGINE_BINARY;
  if (configured) return existsSync(configured) && !configured.endsWith('/node');
  try {
    const require = createRequire(import.meta.url);
    const enginesDir = dirname(dirname(require.resolve('@prisma/engines')));
    return readdirSync(enginesDir).some((name) => name.startsWith('schema-engine'));
  } catch {
    return false;
  }
}

const config = loadConfigOrExit();
if (schemaEngineAvailable() && process.env.REPORTRUN_BUILTIN_MIGRATIONS !== '1') {
  const packageDir = join(dirname(fileURLToPath(import.meta.url)), '../..');
  const result = spawnSync('prisma', ['migrate', 'deploy'], {
    cwd: packageDir,
    stdio: 'inherit',
    env: { ...process.env, DATABASE_URL: config.DATABASE_URL },
  });
  process.exit(result.status ?? 1);
}
if (await ensureDatabaseExists(config.DATABASE_URL)) process.stdout.write('Created the database.\n');
const result = await migrateDatabase(config.DATABASE_URL);
for (const name of result.applied) process.stdout.write(`Applied migration ${name}\n`);
process.stdout.write(
  result.applied.length === 0
    ? `No pending migrations (${result.alreadyApplied.length} already applied).\n`
    : `Applied ${result.applied.length} migration(s).\n`,
);
