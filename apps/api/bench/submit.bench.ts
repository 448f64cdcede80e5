// `pnpm --filter @reportrun/api bench` (part of `pnpm bench`): how fast the API takes runs, and
// how long a small run takes from POST to succeeded. Figures are ratios against an Express
// hello-world measured in the same run, or absolute latencies with the targets beside them.
//   DATABASE_URL    the database to use (created and migrated when missing; default reportrun_bench)
//   REDIS_URL       Redis (default redis://127.0.0.1:6379); a fresh queue prefix per run
//   BENCH_SECONDS   seconds per load round (default 10); BENCH_ROUNDS rounds (default 3, at least 3)
//   BENCH_SMALL_RUNS  one-day runs for the latency figure (default 50)
//   S3_*            an S3-compatible server; unset, a loopback server runs in a process of its own
//   --json          one JSON document on stdout instead of the table
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { createApiKey, createDatabase, createPool, createTeam, ensureDatabaseExists, migrateDatabase, seedLedger } from '@reportrun/db';
import { deleteRedisKeys, startApi, startWorker, type ServiceProcess } from '@reportrun/testing';
import { openBenchStorage } from '../../worker/bench/bench-storage.ts';

const json = process.argv.includes('--json');
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const smallRuns = Number(process.env.BENCH_SMALL_RUNS ?? 50);
const connections = 50;
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/reportrun_bench';
const log = (line: string) => process.stderr.write(`${line}\n`);

await ensureDatabaseExists(databaseUrl);
await migrateDatabase(databaseUrl);
const pool = createPool(databaseUrl, { max: 2 });
const { rows: [ledger] } = await pool.query<{ count: string }>('SELECT count(*) FROM dataset.balance_transactions');
if (Number(ledger?.count) === 0) {
  log('seeding 100000 ledger rows…');
  await seedLedger(pool, 100_000);
}
await pool.end();
const db = createDatabase(databaseUrl, { max: 2 });
const team = await createTeam(db.prisma, `bench ${new Date().toISOString()}`);
const key = await createApiKey(db.prisma, { teamId: team.id, livemode: false, name: 'bench' });

const children: ChildProcess[] = [];
async function spawnWithLine(script: string, pattern: RegExp): Promise<{ child: ChildProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))], {
    env: process.env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout! })) {
    const match = pattern.exec(line);
    if (match) return { child, match };
  }
  throw new Error(`${script} exited before printing ${pattern}`);
}

const benchStorage = await openBenchStorage(process.env.S3_BUCKET ?? 'reportrun-bench');
const s3Env = benchStorage.env;

// The API as deployed: auth, idempotency keys and the rate limiter all on (the limit is set so
// high it never refuses, but every request is still counted in Redis), logs at info.
const serviceEnv: Record<string, string> = {
  ...Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
  ...s3Env,
  DATABASE_URL: databaseUrl,
  QUEUE_PREFIX: `{bench-${randomUUID().slice(0, 8)}}`,
  RATE_LIMIT_PER_MINUTE: '100000000',
  LOG_LEVEL: 'info',
};
const api = await startApi(serviceEnv);
const { match: helloMatch } = await spawnWithLine('./hello-world.ts', /HELLO_URL=(\S+)/);
const helloUrl = helloMatch[1]!;

const body = JSON.stringify({
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-03-02T00:00:00Z' },
});

interface LoadSample { requestsPerSecond: number; p50Ms: number; p99Ms: number; errors: number; non2xx: number }

async function load(baseUrl: string): Promise<LoadSample> {
  const result = await autocannon({
    url: `${baseUrl}/v2/reporting/report_runs`,
    connections,
    duration: seconds,
    method: 'POST',
    headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
    body,
    // A fresh Idempotency-Key on every request, as a client retrying safely sends.
    requests: [{ setupRequest: (request) => ({ ...request, headers: { ...request.headers, 'idempotency-key': randomUUID() } }) }],
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

const samples: Record<'hello' | 'api', LoadSample[]> = { hello: [], api: [] };
await load(helloUrl); // warm both servers (JIT, connection pools) before anything is measured
await load(api.url);
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? (['hello', 'api'] as const) : (['api', 'hello'] as const);
  for (const target of order) {
    const sample = await load(target === 'hello' ? helloUrl : api.url);
    samples[target].push(sample);
    log(`round ${round + 1}/${rounds} ${target}: ${sample.requestsPerSecond.toFixed(0)} req/s, p99 ${sample.p99Ms} ms, ${sample.non2xx} non-2xx`);
  }
}

// Where the API's CPU goes: its process's CPU time (all threads, /proc/<pid>/stat, in the
// kernel's 100 Hz ticks) per request, for requests that do more and more of the submit path.
const apiPid = api.service.child.pid!;
const cpuMsOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
const authorized = { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' };
const withIdempotencyKey = [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, 'idempotency-key': randomUUID() } }) }];
const costKinds: { label: string; options: autocannon.Options }[] = [
  { label: 'GET /livez (no key)', options: { url: `${api.url}/livez` } },
  { label: 'GET /v2/reporting/reports (key, rate limit)', options: { url: `${api.url}/v2/reporting/reports`, headers: authorized } },
  { label: 'POST a run, no Idempotency-Key', options: { url: `${api.url}/v2/reporting/report_runs`, method: 'POST', headers: authorized, body } },
  { label: 'POST a run with an Idempotency-Key', options: { url: `${api.url}/v2/reporting/report_runs`, method: 'POST', headers: authorized, body, requests: withIdempotencyKey } },
];
const costs: { label: string; requestsPerSecond: number; cpuMicrosecondsPerRequest: number }[] = [];
for (const kind of costKinds) {
  const before = cpuMsOf(apiPid);
  const result = await autocannon({ connections, duration: Math.max(3, Math.round(seconds / 2)), ...kind.options });
  costs.push({
    label: kind.label,
    requestsPerSecond: result.requests.average,
    cpuMicrosecondsPerRequest: Math.round(((cpuMsOf(apiPid) - before) * 1000) / Math.max(1, result.requests.total)),
  });
  log(`cost ${kind.label}: ${costs.at(-1)!.cpuMicrosecondsPerRequest} µs of API CPU per request`);
}

// Small runs: one-day runs one after another through a real worker; POST → succeeded is read
// from the run's own timestamps (created, succeeded_at), so polling adds nothing to it. A fresh
// API and queue prefix, so the thousands of runs the load rounds queued are not ahead of them.
await api.service.stop();
const smallRunEnv = { ...serviceEnv, QUEUE_PREFIX: `{bench-${randomUUID().slice(0, 8)}}` };
const smallRunApi = await startApi(smallRunEnv);
const worker: ServiceProcess = await startWorker(smallRunEnv);
const latencies: number[] = [];
for (let index = 0; index < smallRuns; index += 1) {
  const day = new Date(Date.UTC(2025, 0, 1 + (index % 300)));
  const next = new Date(day.getTime() + 86_400_000);
  const response = await fetch(`${smallRunApi.url}/v2/reporting/report_runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { interval_start: day.toISOString(), interval_end: next.toISOString() },
    }),
  });
  const created = (await response.json()) as { id: string };
  for (;;) {
    const run = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id }, select: { status: true, createdAt: true, succeededAt: true } });
    if (run.status === 'succeeded') {
      latencies.push(run.succeededAt!.getTime() - run.createdAt.getTime());
      break;
    }
    if (run.status !== 'running') throw new Error(`small run ${created.id} ended ${run.status}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

await worker.stop();
await smallRunApi.service.stop();
for (const child of children) child.kill('SIGTERM');
benchStorage.close();
// The benchmark leaves nothing behind: its team (and with it every run it made) and its queues.
await db.prisma.team.delete({ where: { id: team.id } });
await db.close();
for (const prefix of [serviceEnv.QUEUE_PREFIX!, smallRunEnv.QUEUE_PREFIX]) await deleteRedisKeys(serviceEnv, prefix);

const median = (values: number[]) => {
  const ordered = [...values].sort((a, b) => a - b);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 ? ordered[middle]! : (ordered[middle - 1]! + ordered[middle]!) / 2;
};
const percentile = (values: number[], p: number) => {
  const ordered = [...values].sort((a, b) => a - b);
  return ordered[Math.min(ordered.length - 1, Math.ceil((p / 100) * ordered.length) - 1)]!;
};
const summarize = (list: LoadSample[]) => ({
  requestsPerSecond: median(list.map((sample) => sample.requestsPerSecond)),
  minRequestsPerSecond: Math.min(...list.map((sample) => sample.requestsPerSecond)),
  maxRequestsPerSecond: Math.max(...list.map((sample) => sample.requestsPerSecond)),
  p50Ms: median(list.map((sample) => sample.p50Ms)),
  p99Ms: median(list.map((sample) => sample.p99Ms)),
  non2xx: list.reduce((sum, sample) => sum + sample.non2xx + sample.errors, 0),
});
const hello = summarize(samples.hello);
const submit = summarize(samples.api);
const result = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg()[0] ?? 0, node: process.version },
  connections,
  secondsPerRound: seconds,
  rounds,
  hello,
  submit: { ...submit, vsHello: submit.requestsPerSecond / hello.requestsPerSecond, targets: { vsHello: 0.3, p99Ms: 50 } },
  apiCpuPerRequest: costs,
  smallRuns: { count: latencies.length, p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), targets: { p50Ms: 40, p95Ms: 80 } },
};

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(`\nSubmit: ${connections} connections, ${rounds} interleaved rounds of ${seconds} s; ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, load ${m.loadAverage.toFixed(1)} at the end, Node ${m.node}\n\n`);
  process.stdout.write('| path | req/s median (min–max) | vs hello-world | p50 ms | p99 ms | errors + non-2xx |\n| --- | --- | --- | --- | --- | --- |\n');
  const row = (label: string, s: ReturnType<typeof summarize>, ratio: string) =>
    `| ${label} | ${s.requestsPerSecond.toFixed(0)} (${s.minRequestsPerSecond.toFixed(0)}–${s.maxRequestsPerSecond.toFixed(0)}) | ${ratio} | ${s.p50Ms} | ${s.p99Ms} | ${s.non2xx} |\n`;
  process.stdout.write(row('Express 5 hello-world POST (reference)', hello, '1.00'));
  process.stdout.write(row('POST /v2/reporting/report_runs (auth, idempotency, rate limit)', submit, `${result.submit.vsHello.toFixed(3)} (target ≥ 0.3)`));
  process.stdout.write('\n| request (50 connections) | req/s | API CPU per request |\n| --- | --- | --- |\n');
  for (const cost of costs) process.stdout.write(`| ${cost.label} | ${cost.requestsPerSecond.toFixed(0)} | ${cost.cpuMicrosecondsPerRequest} µs |\n`);
  process.stdout.write(`\nSmall runs (one day of the ledger, one at a time, POST → succeeded from the run's timestamps): ${latencies.length} runs, p50 ${result.smallRuns.p50Ms} ms (target ≤ 40), p95 ${result.smallRuns.p95Ms} ms (target ≤ 80)\n`);
}
