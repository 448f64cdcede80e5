import pg from 'pg';
import { Redis } from 'ioredis';

const adminDatabaseUrl = (databaseUrl: string) => {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
};

/** Fails with one message saying how to start whichever local service is missing. */
export async function assertLocalServices(databaseUrl: string, redisUrl: string): Promise<void> {
  const problems: string[] = [];
  const client = new pg.Client({ connectionString: adminDatabaseUrl(databaseUrl), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
  } catch (error) {
    problems.push(
      `PostgreSQL is not reachable at ${redactUrl(databaseUrl)} (${(error as Error).message}). ` +
        'Start it (e.g. `pg_ctlcluster 15 main start`, or `docker compose -f infra/docker-compose.yml up -d postgres`) or set DATABASE_URL.',
    );
  } finally {
    await client.end().catch(() => {});
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    problems.push(
      `Redis is not reachable at ${redactUrl(redisUrl)} (${(error as Error).message}). ` +
        'Start it (e.g. `redis-server --daemonize yes`, or `docker compose -f infra/docker-compose.yml up -d redis`) or set REDIS_URL.',
    );
  } finally {
    redis.disconnect();
  }
  if (problems.length > 0) throw new Error(problems.join('\n'));
}

function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return raw;
  }
}

export async function createDatabaseFromTemplate(adminUrl: string, name: string, template?: string) {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(adminUrl) });
  await client.connect();
  try {
    await client.query(
      `CREATE DATABASE ${pg.escapeIdentifier(name)}${template ? ` TEMPLATE ${pg.escapeIdentifier(template)}` : ''}`,
    );
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl(adminUrl) });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export function databaseUrlFor(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
