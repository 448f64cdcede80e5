// `pnpm dev`: the whole service on one machine with nothing but Redis and Postgres running:
// migrate, seed an empty database, start a loopback S3 server when none is configured, then
// the API, a worker and the scheduler. Prints the URL, a fresh test key and a curl example.
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApiServer } from '@reportrun/api';
import { createLogger, loadConfigOrExit, type Config } from '@reportrun/config';
import {
  countLedgerRows,
  createApiKey,
  createDatabase,
  demoTeamId,
  ensureDatabaseExists,
  migrateDatabase,
  seedDemo,
} from '@reportrun/db';
import { createStorageFromConfig, ensureBucket } from '@reportrun/storage';
import { startLocalS3, type LocalS3 } from '@reportrun/local-s3';
import { assertLocalServices } from '@reportrun/testing';
import { startScheduler } from '@reportrun/scheduler';
import { startReportRunWorker } from '@reportrun/worker';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const stateDirectory = resolve(repositoryRoot, process.env.REPORTRUN_STATE_DIR ?? '.reportrun');
const logger = createLogger('dev', process.env.LOG_LEVEL ?? 'info');
let config = loadConfigOrExit();

// Ctrl-C or a SIGTERM must free the ports at once, whatever stage the start is in: each part
// registers how to close itself as soon as it runs, and stop() closes them newest first.
const closers: Array<() => Promise<unknown>> = [];
/** Past this, a part that will not close is abandoned: the process exits and the OS frees its sockets. */
const stopGraceMs = 10_000;
const parentPid = process.ppid;
let stopping = false;
async function stop(reason: string): Promise<never> {
  if (!stopping) {
    stopping = true;
    logger.info({ reason }, 'stopping');
    setTimeout(() => {
      logger.error({ graceMs: stopGraceMs }, 'parts of the stack did not close in time; exiting anyway');
      process.exit(1);
    }, stopGraceMs).unref();
    for (const close of closers.reverse()) {
      await close().catch((error: unknown) => logger.error({ err: error }, 'closing part of the stack failed'));
    }
    process.exit(0);
  }
  return new Promise<never>(() => {});
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// A parent killed outright (SIGKILL of `pnpm dev`) cannot pass a signal on; orphaned, stop too.
setInterval(() => {
  if (process.ppid !== parentPid) void stop('parent process exited');
}, 1_000).unref();

try {
  await assertLocalServices(config.DATABASE_URL, config.REDIS_URL);
} catch (error) {
  process.stderr.write(`\nReportRun needs Redis and PostgreSQL running locally.\n${(error as Error).message}\n\n`);
  process.exit(69); // EX_UNAVAILABLE
}

await ensureDatabaseExists(config.DATABASE_URL);
const migrated = await migrateDatabase(config.DATABASE_URL);
logger.info({ applied: migrated.applied }, 'database migrated');

let localS3: LocalS3 | undefined;
if (!config.S3_ENDPOINT) {
  await mkdir(`${stateDirectory}/s3`, { recursive: true });
  localS3 = await startLocalS3({
    directory: `${stateDirectory}/s3`,
    port: Number(process.env.LOCAL_S3_PORT ?? 4569),
  });
  const started = localS3;
  closers.push(() => started.stop());
  config = {
    ...config,
    S3_ENDPOINT: localS3.endpoint,
    S3_ACCESS_KEY_ID: localS3.accessKeyId,
    S3_SECRET_ACCESS_KEY: localS3.secretAccessKey,
  } satisfies Config;
  logger.info({ endpoint: localS3.endpoint, directory: `${stateDirectory}/s3` }, 'loopback S3 server started');
}
const storage = createStorageFromConfig(config);
await ensureBucket(storage);
storage.s3.destroy();

const db = createDatabase(config.DATABASE_URL);
if ((await countLedgerRows(db.pool)) === 0) {
  const rows = Number(process.env.SEED_ROWS ?? 100_000);
  logger.info({ rows }, 'seeding the demo ledger');
  await seedDemo(db.prisma, db.pool, { rows });
}
if (!(await db.prisma.team.findUnique({ where: { id: demoTeamId } }))) {
  await seedDemo(db.prisma, db.pool, { rows: await countLedgerRows(db.pool) });
}
// Keys are shown only once, so each start issues a fresh test key for this session and
// revokes the previous session's.
await db.prisma.apiKey.updateMany({
  where: { teamId: demoTeamId, name: 'local dev session', revokedAt: null },
  data: { revokedAt: new Date() },
});
const key = await createApiKey(db.prisma, { teamId: demoTeamId, livemode: false, name: 'local dev session' });
await db.close();

const api = await startApiServer(config, createLogger('api', config.LOG_LEVEL));
closers.push(() => api.close());
const worker = await startReportRunWorker(config, createLogger('worker', config.LOG_LEVEL));
closers.push(() => worker.close());
const scheduler = await startScheduler(config, createLogger('scheduler', config.LOG_LEVEL));
closers.push(() => scheduler.close());

process.stdout.write(`
ReportRun is running.
  API:          ${api.url}
  Dashboard:    ${api.url}/dashboard/ (sign in with the test key)
  OpenAPI:      ${api.url}/openapi.json
  Test API key: ${key.secret}

Create a run:
  curl -s ${api.url}/v2/reporting/report_runs \\
    -H 'Authorization: Bearer ${key.secret}' -H 'Content-Type: application/json' \\
    -d '{"report":"balance_change_from_activity.itemized.1","report_parameters":{"interval_start":"2025-01-01T00:00:00Z","interval_end":"2025-02-01T00:00:00Z"}}'
Then fetch it until "status" is "succeeded" and download result.file.download_url.url:
  curl -s ${api.url}/v2/reporting/report_runs/<id> -H 'Authorization: Bearer ${key.secret}'

`);

