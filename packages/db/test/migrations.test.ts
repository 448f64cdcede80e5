import { createHash, randomBytes } from 'node:crypto';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase, MigrationError, migrationsDirectory } from '@reportrun/db';

// These tests need databases nobody has migrated yet, so they create their own instead of
// cloning the harness's template (which global setup has already migrated).
const baseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The key `prisma migrate deploy` locks; holding it must keep our runner out too. */
const prismaAdvisoryLockKey = 72707369;

const createdDatabases: string[] = [];
const temporaryDirectories: string[] = [];
let admin: pg.Client;

/** Every migration on disk, read independently of the runner so its bookkeeping is checked. */
let expected: { name: string; checksum: string }[];

beforeAll(async () => {
  admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  const entries = await readdir(migrationsDirectory, { withFileTypes: true });
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  names.sort();
  expected = await Promise.all(
    names.map(async (name) => ({
      name,
      checksum: createHash('sha256')
        .update(await readFile(join(migrationsDirectory, name, 'migration.sql')))
        .digest('hex'),
    })),
  );
  // Without at least one migration every "applied each once" assertion would hold vacuously.
  expect(expected.length).toBeGreaterThan(0);
});

afterAll(async () => {
  for (const name of createdDatabases) {
    await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  }
  await admin?.end();
  for (const directory of temporaryDirectories) await rm(directory, { recursive: true, force: true });
});

function urlFor(database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function freshDatabase(): Promise<string> {
  const name = `rr_migrate_${randomBytes(5).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  createdDatabases.push(name);
  return urlFor(name);
}

/** A scratch copy of prisma/migrations that a test may edit and extend. */
async function copyOfMigrations(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'reportrun-migrations-'));
  temporaryDirectories.push(directory);
  await cp(migrationsDirectory, directory, { recursive: true });
  return directory;
}

async function addMigration(directory: string, name: string, sql: string): Promise<void> {
  await mkdir(join(directory, name));
  await writeFile(join(directory, name, 'migration.sql'), sql);
}

async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

function migrationRows(url: string): Promise<MigrationRow[]> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<MigrationRow>(
      'SELECT * FROM "_prisma_migrations" ORDER BY started_at, migration_name',
    );
    return rows;
  });
}

function relationExists(url: string, name: string): Promise<boolean> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
      name,
    ]);
    return rows[0]!.exists;
  });
}

describe('migrateDatabase on a fresh database', () => {
  let url: string;
  let firstRun: Awaited<ReturnType<typeof migrateDatabase>>;

  beforeAll(async () => {
    url = await freshDatabase();
    firstRun = await migrateDatabase(url);
  });

  it('applies every migration once, in name order', async () => {
    expect(firstRun).toEqual({ applied: expected.map((m) => m.name), alreadyApplied: [] });
    // The migration's own SQL ran, not only the bookkeeping.
    expect(await relationExists(url, 'public.report_runs')).toBe(true);
    expect(await relationExists(url, 'dataset.balance_transactions')).toBe(true);
  });

  it('records each migration in _prisma_migrations exactly as prisma migrate deploy does', async () => {
    const rows = await migrationRows(url);
    expect(rows.map((row) => row.migration_name)).toEqual(expected.map((m) => m.name));
    for (const [index, row] of rows.entries()) {
      expect(row).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        checksum: expected[index]!.checksum,
        finished_at: expect.any(Date),
        migration_name: expected[index]!.name,
        logs: null,
        rolled_back_at: null,
        started_at: expect.any(Date),
        applied_steps_count: 1,
      });
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
    }
  });

  it('creates _prisma_migrations with the columns Prisma reads and writes', async () => {
    // A table Prisma's own CLI can continue from: same names, types, nullability and defaults.
    const columns = await withClient(url, async (client) => {
      const { rows } = await client.query<{
        column_name: string;
        data_type: string;
        character_maximum_length: number | null;
        is_nullable: 'YES' | 'NO';
        column_default: string | null;
      }>(
        `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default
         FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = '_prisma_migrations'
         ORDER BY ordinal_position`,
      );
      return rows;
    });
    expect(columns).toEqual([
      {
        column_name: 'id',
        data_type: 'character varying',
        character_maximum_length: 36,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'checksum',
        data_type: 'character varying',
        character_maximum_length: 64,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'finished_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'migration_name',
        data_type: 'character varying',
        character_maximum_length: 255,
        is_nullable: 'NO',
        column_default: null,
      },
      {
        column_name: 'logs',
        data_type: 'text',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'rolled_back_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'YES',
        column_default: null,
      },
      {
        column_name: 'started_at',
        data_type: 'timestamp with time zone',
        character_maximum_length: null,
        is_nullable: 'NO',
        column_default: 'now()',
      },
      {
        column_name: 'applied_steps_count',
        data_type: 'integer',
        character_maximum_length: null,
        is_nullable: 'NO',
        column_default: '0',
      },
    ]);
  });

  it('applies nothing on a second run and leaves the records untouched', async () => {
    const before = await migrationRows(url);
    const secondRun = await migrateDatabase(url);
    expect(secondRun).toEqual({ applied: [], alreadyApplied: expected.map((m) => m.name) });
    expect(await migrationRows(url)).toEqual(before);
  });
});

describe('migrateDatabase run by several processes at once', () => {
  it('lets two concurrent runs both succeed while applying each migration exactly once', async () => {
    const url = await freshDatabase();
    const directory = await copyOfMigrations();
    // A slow last migration keeps the first runner busy, so an unserialised second runner would
    // certainly see the same migrations as pending and try to apply them again.
    await addMigration(
      directory,
      '29990101000000_slow',
      'SELECT pg_sleep(0.3);\nCREATE TABLE "public"."slow_probe" ("id" INTEGER NOT NULL);\n',
    );
    const names = [...expected.map((m) => m.name), '29990101000000_slow'];

    const results = await Promise.all([migrateDatabase(url, directory), migrateDatabase(url, directory)]);

    const applied = results.flatMap((result) => result.applied);
    expect(applied.toSorted()).toEqual(names);
    // Whoever waited for the lock saw everything already applied.
    for (const result of results) {
      expect([...result.applied, ...result.alreadyApplied].toSorted()).toEqual(names);
    }
    const rows = await migrationRows(url);
    expect(rows.map((row) => row.migration_name).toSorted()).toEqual(names);
    expect(rows.every((row) => row.finished_at !== null && row.applied_steps_count === 1)).toBe(true);
  });

  it("waits while another migrator (such as Prisma's CLI) holds Prisma's advisory lock", async () => {
    const url = await freshDatabase();
    const databaseName = new URL(url).pathname.slice(1);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [prismaAdvisoryLockKey]);
      const run = migrateDatabase(url);
      // Wait until the runner is demonstrably queued on that very lock, rather than sleeping.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const { rows } = await admin.query<{ waiting: string }>(
          `SELECT count(*) AS waiting FROM pg_locks l JOIN pg_database d ON d.oid = l.database
           WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = $1
             AND l.classid = 0 AND l.objid = $2 AND l.objsubid = 1`,
          [databaseName, prismaAdvisoryLockKey],
        );
        if (Number(rows[0]!.waiting) === 1) break;
        if (Date.now() > deadline) throw new Error('migrateDatabase never waited for the lock');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await relationExists(url, 'public._prisma_migrations')).toBe(false);

      await holder.query('SELECT pg_advisory_unlock($1)', [prismaAdvisoryLockKey]);
      expect((await run).applied).toEqual(expected.map((m) => m.name));
    } finally {
      await holder.end();
    }
  });
});

describe('migrateDatabase guarding the migration history', () => {
  it('refuses a migration file changed after it was applied, naming it, and applies nothing after it', async () => {
    const url = await freshDatabase();
    const directory = await copyOfMigrations();
    await migrateDatabase(url, directory);
    const edited = expected[0]!.name;
    await appendFile(join(directory, edited, 'migration.sql'), '\n-- edited after deploy\n');
    await addMigration(
      directory,
      '29990101000000_after_edit',
      'CREATE TABLE "public"."after_edit_probe" ("id" INTEGER NOT NULL);\n',
    );

    const attempt = migrateDatabase(url, directory);
    await expect(attempt).rejects.toBeInstanceOf(MigrationError);
    await expect(attempt).rejects.toThrow(edited);
    expect(await relationExists(url, 'public.after_edit_probe')).toBe(false);
    expect((await migrationRows(url)).map((row) => row.migration_name)).toEqual(expected.map((m) => m.name));
  });

  it('rolls back a failing migration, records why, and refuses to continue until it is resolved', async () => {
    const url = await freshDatabase();
    const directory = await copyOfMigrations();
    await addMigration(
      directory,
      '29990101000000_good',
      'CREATE TABLE "public"."good_probe" ("id" INTEGER NOT NULL);\n',
    );
    // Two statements that succeed, then one that fails: the first two must not survive.
    const brokenSql =
      'ALTER TABLE "public"."teams" ADD COLUMN "broken_probe" TEXT;\n' +
      'CREATE TABLE "public"."broken_probe" ("id" INTEGER NOT NULL);\n' +
      'INSERT INTO "public"."no_such_table" VALUES (1);\n';
    await addMigration(directory, '29990102000000_broken', brokenSql);

    const failedRun = migrateDatabase(url, directory);
    await expect(failedRun).rejects.toBeInstanceOf(MigrationError);
    await expect(failedRun).rejects.toThrow('29990102000000_broken');

    // Each migration has its own transaction: the good one stays, the broken one left no trace.
    expect(await relationExists(url, 'public.good_probe')).toBe(true);
    expect(await relationExists(url, 'public.broken_probe')).toBe(false);
    const teamColumns = await withClient(url, async (client) => {
      const { rows } = await client.query<{ column_name: string }>(
        `SELECT column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = 'teams'`,
      );
      return rows.map((row) => row.column_name);
    });
    expect(teamColumns).not.toContain('broken_probe');

    const rows = await migrationRows(url);
    expect(rows.map((row) => [row.migration_name, row.finished_at !== null])).toEqual([
      ...expected.map((m) => [m.name, true]),
      ['29990101000000_good', true],
      ['29990102000000_broken', false],
    ]);
    const broken = rows.find((row) => row.migration_name === '29990102000000_broken')!;
    expect(broken).toMatchObject({
      finished_at: null,
      rolled_back_at: null,
      applied_steps_count: 0,
      checksum: createHash('sha256').update(brokenSql).digest('hex'),
    });
    expect(broken.logs).toContain('relation "public.no_such_table" does not exist');

    // Even once the file is fixed, the recorded failure blocks every later run: the database
    // may be half-changed by hand, and only an operator can say it is safe to go on.
    await writeFile(
      join(directory, '29990102000000_broken', 'migration.sql'),
      'CREATE TABLE "public"."broken_probe" ("id" INTEGER NOT NULL);\n',
    );
    await addMigration(
      directory,
      '29990103000000_next',
      'CREATE TABLE "public"."next_probe" ("id" INTEGER NOT NULL);\n',
    );
    const blockedRun = migrateDatabase(url, directory);
    await expect(blockedRun).rejects.toBeInstanceOf(MigrationError);
    await expect(blockedRun).rejects.toThrow('29990102000000_broken');
    expect(await relationExists(url, 'public.broken_probe')).toBe(false);
    expect(await relationExists(url, 'public.next_probe')).toBe(false);

    // What `prisma migrate resolve --rolled-back` writes; the fixed migration then reapplies.
    await withClient(url, (client) =>
      client.query(
        `UPDATE "_prisma_migrations" SET rolled_back_at = now()
         WHERE migration_name = $1 AND finished_at IS NULL`,
        ['29990102000000_broken'],
      ),
    );
    expect(await migrateDatabase(url, directory)).toEqual({
      applied: ['29990102000000_broken', '29990103000000_next'],
      alreadyApplied: [...expected.map((m) => m.name), '29990101000000_good'],
    });
    expect(await relationExists(url, 'public.broken_probe')).toBe(true);
    expect(await relationExists(url, 'public.next_probe')).toBe(true);

    // The rolled-back record stays as history beside the successful one, as with Prisma, and
    // its stale checksum must not count as an edited migration.
    const history = (await migrationRows(url)).filter(
      (row) => row.migration_name === '29990102000000_broken',
    );
    expect(history.map((row) => [row.rolled_back_at !== null, row.finished_at !== null])).toEqual([
      [true, false],
      [false, true],
    ]);
    expect((await migrateDatabase(url, directory)).applied).toEqual([]);
  });
});
