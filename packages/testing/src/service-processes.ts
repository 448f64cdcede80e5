import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { spawnService, type ServiceProcess } from './processes.ts';

/** The service apps tests start as real processes, by their folder under apps/. */
export type AppName = 'api' | 'worker' | 'scheduler';

export function appDirectory(name: AppName): string {
  return fileURLToPath(new URL(`../../../apps/${name}`, import.meta.url));
}

export function spawnApp(name: AppName, env: Record<string, string>): ServiceProcess {
  return spawnService('src/main.ts', { cwd: appDirectory(name), env });
}

/** Starts the API on a free port and resolves once it listens. */
export async function startApi(env: Record<string, string>): Promise<{ service: ServiceProcess; url: string }> {
  const service = spawnApp('api', { ...env, PORT: '0' });
  const url = (await service.waitForOutput(/REPORTRUN_API_URL=(\S+)/))[1]!;
  return { service, url };
}

/** Starts a worker and resolves once it takes jobs (its ready line needs info-level logs). */
export async function startWorker(env: Record<string, string>): Promise<ServiceProcess> {
  const service = spawnApp('worker', { ...env, LOG_LEVEL: 'info' });
  await service.waitForOutput(/worker ready/);
  return service;
}

/** The address a worker's or the scheduler's probe listener bound (the fixture sets METRICS_PORT=0). */
export async function metricsUrlOf(service: ServiceProcess): Promise<string> {
  return (await service.waitForOutput(/REPORTRUN_METRICS_URL=(\S+)/))[1]!;
}

/** Starts the scheduler and resolves once its tasks run (its ready line needs info-level logs). */
export async function startScheduler(env: Record<string, string>): Promise<ServiceProcess> {
  const service = spawnApp('scheduler', { ...env, LOG_LEVEL: 'info' });
  await service.waitForOutput(/scheduler ready/);
  return service;
}

/**
 * How many statements of an export are still running in the database: its planning (the
 * bounded count, the key's bounds) or a COPY. Zero once an export stopped.
 */
export async function runningExportStatements(pool: Pick<pg.Pool, 'query'>): Promise<number> {
  const { rowCount } = await pool.query(
    `SELECT 1 FROM pg_stat_activity
      WHERE datname = current_database() AND state <> 'idle'
        AND (query LIKE 'COPY (%' OR query LIKE 'SELECT count(*)::int AS rows%' OR query LIKE 'SELECT extract(epoch FROM min(%')`,
  );
  return rowCount ?? 0;
}

/** How many statements in the database wait for a table lock, by what their text starts with. */
export async function statementsWaitingOnLock(pool: Pick<pg.Pool, 'query'>, prefix: string): Promise<number> {
  const { rowCount } = await pool.query(
    `SELECT 1 FROM pg_stat_activity
      WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1 || '%'`,
    [prefix],
  );
  return rowCount ?? 0;
}

/**
 * Holds an exclusive lock on the demo ledger, so every run's COPY waits inside Postgres until
 * released: a deterministic "query still running" for cancel, timeout and crash tests.
 */
export async function lockLedger(databaseUrl: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('BEGIN');
  await client.query('LOCK TABLE dataset.balance_transactions IN ACCESS EXCLUSIVE MODE');
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}
