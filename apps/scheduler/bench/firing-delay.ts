/**
 * Firing delay: how long after a slot's scheduled instant its run exists. Creates a throwaway
 * database, one per-second schedule with one subscriber, starts the real scheduler process on
 * it, lets the schedule fire at least FIRINGS times (default 210), and prints p50/p99/max of
 * (run created_at - slot instant), plus how many slots were missed. Not a suite test: a number
 * to report, run on demand (`pnpm --filter @reportrun/scheduler bench:firing-delay`).
 *
 * Needs the local Postgres and Redis (DATABASE_URL, REDIS_URL as for the tests; the database in
 * DATABASE_URL is only used to create and drop the throwaway one).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createDatabase, createSavedReport, createTeam, migrateDatabase } from '@reportrun/db';
import { createSchedule } from '@reportrun/schedules';
import { deleteRedisKeys, spawnApp } from '@reportrun/testing';

const firings = Number(process.env.FIRINGS ?? 210);
const adminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const suffix = randomBytes(5).toString('hex');
const databaseName = `rr_firing_delay_${suffix}`;
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${databaseName}` }).toString();
const queuePrefix = `{rrbench_${suffix}}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

await admin(`CREATE DATABASE ${pg.escapeIdentifier(databaseName)}`);
const db = createDatabase(databaseUrl, { max: 2 });
let scheduler: ReturnType<typeof spawnApp> | undefined;
try {
  await migrateDatabase(databaseUrl);
  const team = await createTeam(db.prisma, 'Firing delay');
  const scope = { teamId: team.id, livemode: false };
  const member = await db.prisma.member.create({ data: { teamId: team.id, email: 'subscriber@example.com' } });
  const command = await createSavedReport(db.prisma, scope, {
    name: 'Ledger count',
    definition: { dataset: 'balance_transactions', time_range: { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, measures: [{ aggregate: 'count' }] },
  });

  scheduler = spawnApp('scheduler', {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: queuePrefix,
    // The scheduler's storage sweeps need S3 settings; they never run within the measurement.
    S3_ENDPOINT: 'http://127.0.0.1:9',
    S3_BUCKET: 'firing-delay',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'bench',
    S3_SECRET_ACCESS_KEY: 'bench',
    ORPHAN_CLEANUP_INTERVAL_SECONDS: '3600',
    RETENTION_SWEEP_INTERVAL_SECONDS: '3600',
    LOG_LEVEL: 'info',
  });
  await scheduler.waitForOutput(/scheduler ready/);
  // Created once the scheduler runs, so process start-up is not counted as delay.
  const schedule = await createSchedule(db.prisma, scope, {
    commandId: command.id,
    cronExpression: '* * * * * *',
    timezone: 'UTC',
    enabled: true,
    name: 'Every second',
    runMode: 'per_subscriber',
    subscriberUserIds: [member.id],
  });
  const started = Date.now();
  for (;;) {
    const fired = await db.prisma.scheduleSlot.count({ where: { scheduleId: schedule.id, state: 'fired' } });
    if (fired >= firings) break;
    if (Date.now() - started > (firings + 120) * 1000) throw new Error(`only ${fired} firings in ${Math.round((Date.now() - started) / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  await scheduler.stop();
  scheduler = undefined;

  const slots = await db.prisma.scheduleSlot.findMany({
    where: { scheduleId: schedule.id },
    include: { runs: { select: { createdAt: true } } },
    orderBy: { scheduledAt: 'asc' },
  });
  const fired = slots.filter((slot) => slot.state === 'fired' && slot.runs.length > 0);
  const delays = fired
    .map((slot) => Math.min(...slot.runs.map((run) => run.createdAt.getTime())) - slot.scheduledAt.getTime())
    .sort((a, b) => a - b);
  console.log(
    `firing delay (scheduled instant -> run created) over ${delays.length} firings of one per-second schedule: ` +
      `p50 ${percentile(delays, 50)} ms, p99 ${percentile(delays, 99)} ms, max ${delays.at(-1)} ms; ` +
      `${slots.length - fired.length} slots missed`,
  );
} finally {
  await scheduler?.stop().catch(() => {});
  await db.close();
  await admin(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(databaseName)} WITH (FORCE)`);
  await deleteRedisKeys(redisUrl, queuePrefix);
}
