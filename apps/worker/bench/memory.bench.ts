// `pnpm bench:memory`: the memory of a standalone worker as the image runs it — the compiled
// worker (`dist/main.js`) with the node flags of infra/docker-entrypoint.sh, as a process of its
// own, taking runs created and enqueued the way the API does, against real Redis, Postgres and
// storage. For each format a fresh worker is started; its idle RSS (VmRSS once ready and settled),
// its peak (VmHWM) after one run of the whole ledger, and its RSS once it has idled again are read
// from /proc/<pid>/status.
//   DATABASE_URL        the database to seed and read (default reportrun_bench_memory, its own:
//                       created, migrated and seeded when missing or of another size)
//   BENCH_MEMORY_ROWS   ledger rows (default 10,000,000)
//   BENCH_MEMORY_SETTLE_MS  how long a ready worker idles before its RSS is read (default 5000)
//   BENCH_MEMORY_IDLE_AGAIN_MS  how long it idles after its runs before it is read again (15000)
//   BENCH_MEMORY_FORMATS    comma-separated subset of csv, jsonl, zip (default all)
//   BENCH_MEMORY_AT_ONCE    runs one more fresh worker with these runs at once, its peak held to
//                       the worker pod's memory limit in infra/kubernetes/worker.yaml (default
//                       csv,jsonl,zip,csv: WORKER_CONCURRENCY's default of 4; empty skips it)
//   BENCH_MEMORY_NODE_OPTIONS  NODE_OPTIONS for the workers only, to try a flag beside the
//                       image's before putting it in infra/docker-entrypoint.sh
//   REDIS_URL           Redis (default 127.0.0.1:6379); each worker gets a fresh queue prefix
//   S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET: an S3-compatible
//                       server to write to; unset, a loopback server runs in a process of its own
//   --json              one JSON document on stdout instead of the table
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ResultOptionsInput } from '@reportrun/core';
import { createDatabase, createPool, createTeam, ensureDatabaseExists, migrateDatabase, seedLedger } from '@reportrun/db';
import { createRedisConnection, createReportRunQueue, enqueueReportRun } from '@reportrun/queue';
import { resolveRunTarget, runRecordOf } from '@reportrun/runner';
import { createReportRun } from '@reportrun/status';
import { deleteObject } from '@reportrun/storage';
import { openBenchStorage } from './bench-storage.ts';

/** What one standalone worker should stay within (docs/operations.md, Sizing). */
const targets = { idleMb: 100, peakMb: 200 };

const formats = {
  csv: { label: 'CSV', resultOptions: { format: 'csv' } },
  jsonl: { label: 'JSON Lines', resultOptions: { format: 'json' } },
  zip: { label: 'ZIP (CSV, deflate level 6)', resultOptions: { format: 'csv', compress_file: true } },
} satisfies Record<string, { label: string; resultOptions: ResultOptionsInput }>;
type FormatId = keyof typeof formats;

const json = process.argv.includes('--json');
const rows = Number(process.env.BENCH_MEMORY_ROWS ?? 10_000_000);
const settleMs = Number(process.env.BENCH_MEMORY_SETTLE_MS ?? 5_000);
// Past V8's memory reducer, which returns an export's garbage some 10 s into idleness.
const idleAgainMs = Number(process.env.BENCH_MEMORY_IDLE_AGAIN_MS ?? 15_000);
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/reportrun_bench_memory';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const bucket = process.env.S3_BUCKET ?? 'reportrun-bench-memory';
const wanted = (process.env.BENCH_MEMORY_FORMATS?.split(',').map((id) => id.trim()) ?? Object.keys(formats)) as FormatId[];
const atOnce = (process.env.BENCH_MEMORY_AT_ONCE ?? 'csv,jsonl,zip,csv').split(',').map((id) => id.trim()).filter(Boolean) as FormatId[];
for (const id of [...wanted, ...atOnce]) if (!(id in formats)) throw new Error(`unknown format ${id}; one of ${Object.keys(formats).join(', ')}`);
const log = (line: string) => process.stderr.write(`${line}\n`);

const workerDirectory = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
const benchTeamId = 'team_bench_memory';
const catalogReport = 'balance_change_from_activity.itemized.1';
const reportParameters = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };

/**
 * The worker's environment settings and node flags as the image runs it, read from its entry
 * point so this bench cannot drift from what is deployed.
 */
function imageWorkerLaunch(): { env: Record<string, string>; nodeFlags: string[] } {
  const entrypoint = readFileSync(new URL('../../../infra/docker-entrypoint.sh', import.meta.url), 'utf8');
  const line = /^\s*worker\)\s*cd \S+ && exec (?:env ((?:[A-Z_]+=\S+ )+))?node ((?:--\S+\s+)*)dist\/main\.js/m.exec(entrypoint);
  if (!line) throw new Error('infra/docker-entrypoint.sh has no `worker) … exec [env …] node … dist/main.js` line');
  const words = (text: string | undefined) => (text ?? '').trim().split(/\s+/).filter(Boolean);
  const env = Object.fromEntries(words(line[1]).map((assignment) => assignment.split('=', 2) as [string, string]));
  return { env, nodeFlags: words(line[2]) };
}

/** Builds the worker and the packages it imports (turbo's cache makes an unchanged build instant). */
function buildWorker(): void {
  log('building the compiled worker…');
  const build = spawnSync('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=@reportrun/worker...', '--output-logs=errors-only'], {
    cwd: repositoryRoot,
    // Its output goes to stderr, so `--json` leaves stdout one JSON document.
    stdio: ['ignore', 2, 2],
  });
  if (build.status !== 0) throw new Error(`the worker's build failed (exit ${build.status})`);
}

interface Memory {
  rssMb: number;
  peakMb: number;
  /** The process's own pages (heap, malloc); the rest of RSS is file-backed, mostly the node binary. */
  anonMb: number;
  fileMb: number;
}

async function memoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024 };
}

/** The worker pod's memory limit in the Kubernetes manifest, in MiB. */
function podMemoryLimitMb(): number {
  const manifest = readFileSync(new URL('../../../infra/kubernetes/worker.yaml', import.meta.url), 'utf8');
  const limit = /limits:\s*\n\s*memory:\s*(\d+)Mi/.exec(manifest);
  if (!limit) throw new Error('infra/kubernetes/worker.yaml has no `limits: memory: <n>Mi`');
  return Number(limit[1]);
}

/** The worker's last log lines, kept to explain a failed run. */
function tailOf(child: ChildProcess, lines = 40): () => string {
  let kept: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    kept.push(line);
    if (kept.length > lines * 2) kept = kept.slice(-lines);
  });
  return () => kept.slice(-lines).join('\n');
}

/** Resolves once the worker logs that it takes jobs; rejects if it exits first. */
async function waitUntilReady(child: ChildProcess, logs: () => string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (!logs().includes('worker ready')) return;
      clearInterval(check);
      child.off('exit', onExit);
      resolve();
    }, 50);
    const onExit = (code: number | null) => {
      clearInterval(check);
      reject(new Error(`the worker exited (${code}) before it was ready:\n${logs()}`));
    };
    child.once('exit', onExit);
  });
}

await ensureDatabaseExists(databaseUrl);
await migrateDatabase(databaseUrl);
const pool = createPool(databaseUrl, { max: 2 });
const { rows: [existing] } = await pool.query<{ count: string }>('SELECT count(*) FROM dataset.balance_transactions');
if (Number(existing?.count) !== rows) {
  log(`seeding ${rows} ledger rows (a few minutes at 10M)…`);
  await seedLedger(pool, rows);
  await pool.query('VACUUM ANALYZE dataset.balance_transactions');
}
await pool.end();
const db = createDatabase(databaseUrl);
if (!(await db.prisma.team.findUnique({ where: { id: benchTeamId } }))) await createTeam(db.prisma, 'Memory bench', benchTeamId);

const benchStorage = await openBenchStorage(bucket);
const { env: s3Env, storage } = benchStorage;

buildWorker();
const { env: imageEnv, nodeFlags } = imageWorkerLaunch();

interface Measurement {
  /** The runs the worker made at once: one format, or several. */
  runs: FormatId[];
  label: string;
  idle: Memory;
  peakRssMb: number;
  /** VmRSS once the runs are over and the worker has idled for BENCH_MEMORY_IDLE_AGAIN_MS. */
  idleAgainMb: number;
  seconds: number;
  fileMb: number;
  rows: number;
}

/** A fresh worker: its idle memory, then its peak after exporting the whole ledger once per run, all at once. */
async function measure(runFormats: FormatId[]): Promise<Measurement> {
  const queuePrefix = `{bench-memory-${process.pid}-${runFormats.join('-')}}`;
  const child = spawn(process.execPath, [...nodeFlags, 'dist/main.js'], {
    cwd: workerDirectory,
    env: {
      ...process.env,
      ...imageEnv,
      ...s3Env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: queuePrefix,
      METRICS_PORT: '0',
      WORKER_CONCURRENCY: String(Math.max(4, runFormats.length)),
      LOG_LEVEL: 'info', // the ready line is an info log
      NODE_OPTIONS: process.env.BENCH_MEMORY_NODE_OPTIONS ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  const logs = tailOf(child);
  const redis = createRedisConnection(redisUrl, 'worker');
  const queue = createReportRunQueue(redis, queuePrefix);
  const fileKeys: string[] = [];
  try {
    await waitUntilReady(child, logs);
    await sleep(settleMs);
    const idle = await memoryOf(child.pid!);

    const target = await resolveRunTarget(db.prisma, { reportId: catalogReport, teamId: benchTeamId, livemode: false });
    const { defaultTimeoutSeconds: _default, ...record } = runRecordOf(target, { parameters: reportParameters, at: new Date() });
    const runs = await Promise.all(
      runFormats.map((format) =>
        createReportRun(db.prisma, {
          teamId: benchTeamId,
          livemode: false,
          ...record,
          resultOptions: formats[format].resultOptions,
          timeoutSeconds: 3600,
          createdBy: 'memory-bench',
        }),
      ),
    );
    const started = performance.now();
    for (const run of runs) await enqueueReportRun(queue, run.id);
    let ended = runs;
    while (ended.some((run) => run.status === 'running')) {
      if (child.exitCode !== null) throw new Error(`the worker exited (${child.exitCode}) during the ${runFormats.join(', ')} runs:\n${logs()}`);
      await sleep(500);
      ended = await db.prisma.reportRun.findMany({ where: { id: { in: runs.map((run) => run.id) } } });
    }
    const seconds = (performance.now() - started) / 1000;
    for (const run of ended) if (run.fileObjectKey) fileKeys.push(run.fileObjectKey);
    const failed = ended.find((run) => run.status !== 'succeeded');
    if (failed) throw new Error(`the ${formats[runFormats[runs.findIndex((run) => run.id === failed.id)]!].label} run ${failed.status}: ${JSON.stringify(failed.statusDetails)}\n${logs()}`);
    const peak = await memoryOf(child.pid!);
    await sleep(idleAgainMs);
    const idleAgain = await memoryOf(child.pid!);
    return {
      runs: runFormats,
      label: runFormats.length === 1 ? `${formats[runFormats[0]!].label} export` : `${runFormats.length} exports at once (${runFormats.map((format) => formats[format].label.split(' (')[0]).join(', ')})`,
      idle,
      peakRssMb: peak.peakMb,
      idleAgainMb: idleAgain.rssMb,
      seconds,
      fileMb: ended.reduce((sum, run) => sum + Number(run.fileSize ?? 0), 0) / 2 ** 20,
      rows: ended.reduce((sum, run) => sum + Number(run.fileRows ?? 0), 0),
    };
  } finally {
    await Promise.all(fileKeys.map((key) => deleteObject(storage, key).catch(() => {})));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    redis.disconnect();
  }
}

const plans: FormatId[][] = [...wanted.map((format) => [format]), ...(atOnce.length > 0 ? [atOnce] : [])];
const measurements: Measurement[] = [];
try {
  for (const plan of plans) {
    log(`${plan.join(', ')}: a fresh worker, ${plan.length === 1 ? 'one run' : `${plan.length} runs at once`} of ${rows} rows…`);
    const measurement = await measure(plan);
    measurements.push(measurement);
    log(`${plan.join(', ')}: idle ${measurement.idle.rssMb.toFixed(0)} MB, peak ${measurement.peakRssMb.toFixed(0)} MB, ${measurement.seconds.toFixed(1)} s`);
  }
} finally {
  await db.close();
  benchStorage.close();
}

const idleOf = measurements.reduce<Memory | undefined>((highest, measurement) => (highest && highest.rssMb >= measurement.idle.rssMb ? highest : measurement.idle), undefined);
const idleRssMb = idleOf?.rssMb ?? Number.NaN;
const limitMb = podMemoryLimitMb();
const targetOf = (measurement: Measurement) => (measurement.runs.length === 1 ? targets.peakMb : limitMb);
const result = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg()[0] ?? 0, node: process.version },
  rows,
  imageEnv,
  nodeFlags,
  storage: benchStorage.description,
  targets: { ...targets, podLimitMb: limitMb },
  idleRssMb,
  idleAnonMb: idleOf?.anonMb ?? Number.NaN,
  idleFileMb: idleOf?.fileMb ?? Number.NaN,
  idleMeetsTarget: idleRssMb <= targets.idleMb,
  measurements: measurements.map((measurement) => ({ ...measurement, targetMb: targetOf(measurement), meetsTarget: measurement.peakRssMb <= targetOf(measurement) })),
};

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const m = result.machine;
  const mark = (ok: boolean) => (ok ? 'meets' : 'OVER');
  process.stdout.write(
    `\nstandalone compiled worker (${Object.entries(imageEnv).map(([name, value]) => `${name}=${value} `).join('')}node ${nodeFlags.join(' ')} dist/main.js), ${rows} ledger rows per run; ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, load ${m.loadAverage.toFixed(1)} at the end, Node ${m.node}; storage: ${result.storage}\n\n`,
  );
  process.stdout.write('| measurement | MB | target MB | | run s | file MB | idle again MB |\n| --- | --- | --- | --- | --- | --- | --- |\n');
  process.stdout.write(
    `| idle (VmRSS, ready + ${settleMs / 1000} s; highest of the fresh workers: ${result.idleAnonMb.toFixed(0)} own + ${result.idleFileMb.toFixed(0)} file-backed) | ${idleRssMb.toFixed(0)} | ≤ ${targets.idleMb} | ${mark(result.idleMeetsTarget)} | | | |\n`,
  );
  for (const measurement of result.measurements) {
    const target = measurement.runs.length === 1 ? `≤ ${measurement.targetMb}` : `≤ ${measurement.targetMb} (pod limit)`;
    process.stdout.write(
      `| ${measurement.label}, peak (VmHWM) | ${measurement.peakRssMb.toFixed(0)} | ${target} | ${mark(measurement.meetsTarget)} | ${measurement.seconds.toFixed(1)} | ${measurement.fileMb.toFixed(1)} | ${measurement.idleAgainMb.toFixed(0)} |\n`,
    );
  }
}
