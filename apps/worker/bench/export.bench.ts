// `pnpm bench`: export speed and memory, every figure a ratio against references measured in
// the same run on the same rows (docs/performance.md explains each line).
//   DATABASE_URL     the database to seed and read (its own name; created and migrated when missing)
//   BENCH_ROWS       ledger rows (default 300000); the table is re-seeded when its count differs
//   BENCH_ROUNDS     rounds (default 3, at least 3); each round runs every variant once, in an
//                    order rotated from the round before
//   BENCH_VARIANTS   comma-separated subset of the variants below (default all)
//   S3_ENDPOINT, S3_REGION, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET: an S3-compatible
//                    server to write to (Ceph RGW, MinIO); unset, a loopback server is started
//                    in a process of its own
//   --json           one JSON document on stdout instead of the table
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createPool, ensureDatabaseExists, migrateDatabase, seedLedger } from '@reportrun/db';
import { benchReport } from './bench-report.ts';
import { openBenchStorage } from './bench-storage.ts';

interface Sample { ms: number; bytes: number; rows: number; peakRssMb: number | null }
interface Variant { id: string; label: string; reference?: string }

const json = process.argv.includes('--json');
const rows = Number(process.env.BENCH_ROWS ?? 300_000);
const rounds = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const databaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/reportrun_bench';
const bucket = process.env.S3_BUCKET ?? 'reportrun-bench';
const log = (line: string) => process.stderr.write(`${line}\n`);

const allVariants: Variant[] = [
  { id: 'psql-copy', label: 'psql \\copy (…) to stdout csv (the limit)' },
  { id: 'node-copy-upload', label: 'node COPY → multipart upload (reference)' },
  { id: 'service-csv', label: 'service CSV export', reference: 'node-copy-upload' },
  { id: 'service-csv-2-shards', label: 'service CSV export, 2 shards', reference: 'service-csv' },
  { id: 'service-csv-4-shards', label: 'service CSV export, 4 shards', reference: 'service-csv' },
  { id: 'reference-zip', label: 'COPY → archiver ZIP level 6 → upload (reference)' },
  { id: 'service-zip', label: 'service ZIP export (parallel deflate, level 6)', reference: 'reference-zip' },
  { id: 'service-zip-2-shards', label: 'service ZIP export, 2 shards', reference: 'service-csv' },
  { id: 'row-cursor-csv-stringify', label: 'row cursor → csv-stringify → upload (common)' },
];
const wanted = process.env.BENCH_VARIANTS?.split(',').map((id) => id.trim());
const variants = allVariants.filter((variant) => variant.id === 'psql-copy' || !wanted || wanted.includes(variant.id));

await ensureDatabaseExists(databaseUrl);
await migrateDatabase(databaseUrl);
const pool = createPool(databaseUrl, { max: 2 });
const { rows: [existing] } = await pool.query<{ count: string }>('SELECT count(*) FROM dataset.balance_transactions');
if (Number(existing?.count) !== rows) {
  log(`seeding ${rows} ledger rows…`);
  await seedLedger(pool, rows);
  await pool.query('VACUUM ANALYZE dataset.balance_transactions');
}
await pool.end();

const benchStorage = await openBenchStorage(bucket);
const s3Env = benchStorage.env;

/** psql's own \copy, the report's settings bound with SET in the same session. */
async function psqlCopy(): Promise<Sample> {
  const compiled = benchReport();
  const commands = compiled.settings.flatMap((setting) => ['-c', `SET ${setting.name} = '${setting.value.replaceAll("'", "''")}'`]);
  const copy = `\\copy (${compiled.sql.replaceAll('\n', ' ')}) to stdout with (format csv, header)`;
  const started = performance.now();
  const child = spawn('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', databaseUrl, ...commands, '-c', copy], { stdio: ['ignore', 'pipe', 'inherit'] });
  let bytes = 0;
  let newlines = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    for (let index = chunk.indexOf(10); index !== -1; index = chunk.indexOf(10, index + 1)) newlines += 1;
  });
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  // Rows are lines less the header (the seed's descriptions hold no line breaks).
  return { ms: performance.now() - started, bytes, rows: newlines - 1, peakRssMb: null };
}

async function runVariant(id: string): Promise<Sample> {
  if (id === 'psql-copy') return psqlCopy();
  // Every variant runs with the worker's production V8 setting (infra/docker-entrypoint.sh), so
  // the service's figures are the deployed worker's and the references get the same heap.
  const child = spawn(process.execPath, ['--max-semi-space-size=2', '--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./variant.ts', import.meta.url)), id], {
    env: { ...process.env, ...s3Env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'close')) as [number];
  if (code !== 0) throw new Error(`variant ${id} exited with ${code}`);
  return JSON.parse(output.trim().split('\n').at(-1)!) as Sample;
}

const samples = new Map<string, Sample[]>(variants.map((variant) => [variant.id, []]));
await psqlCopy(); // warm the table into the page cache so the first measured variant is not penalised
for (let round = 0; round < rounds; round += 1) {
  const order = variants.map((_, index) => variants[(index + round) % variants.length]!);
  for (const variant of order) {
    const sample = await runVariant(variant.id);
    samples.get(variant.id)!.push(sample);
    log(`round ${round + 1}/${rounds} ${variant.id}: ${(sample.ms / 1000).toFixed(2)} s`);
  }
}
benchStorage.close();

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => {
  const ordered = sorted(values);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 ? ordered[middle]! : (ordered[middle - 1]! + ordered[middle]!) / 2;
};
const stats = (id: string) => {
  const ms = samples.get(id)!.map((sample) => sample.ms);
  return { medianMs: median(ms), minMs: sorted(ms)[0]!, maxMs: sorted(ms).at(-1)! };
};
const limitMs = stats('psql-copy').medianMs;
const result = {
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), loadAverage: loadavg()[0] ?? 0, node: process.version },
  rows,
  rounds,
  storage: benchStorage.description,
  variants: variants.map((variant) => {
    const all = samples.get(variant.id)!;
    const own = stats(variant.id);
    const peaks = all.map((sample) => sample.peakRssMb).filter((peak): peak is number => peak !== null);
    return {
      id: variant.id,
      label: variant.label,
      ...own,
      vsLimit: own.medianMs / limitMs,
      // A subset (BENCH_VARIANTS) may leave a variant's reference unmeasured: then no ratio to it.
      ...(variant.reference && samples.has(variant.reference) ? { reference: variant.reference, vsReference: own.medianMs / stats(variant.reference).medianMs } : {}),
      bytes: all[0]!.bytes,
      rows: all[0]!.rows,
      peakRssMb: peaks.length > 0 ? median(peaks) : null,
    };
  }),
};

if (json) {
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} else {
  const m = result.machine;
  process.stdout.write(`\n${rows} ledger rows, ${rounds} interleaved rounds; ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, load ${m.loadAverage.toFixed(1)} at the end, Node ${m.node}; storage: ${result.storage}\n\n`);
  process.stdout.write('| path | median s (min–max) | vs psql \\copy | vs its reference | peak RSS MB | file MB |\n| --- | --- | --- | --- | --- | --- |\n');
  for (const variant of result.variants) {
    const seconds = (ms: number) => (ms / 1000).toFixed(2);
    const reference = variant.vsReference !== undefined ? `${variant.vsReference.toFixed(2)}× ${variant.reference}` : '';
    process.stdout.write(
      `| ${variant.label} | ${seconds(variant.medianMs)} (${seconds(variant.minMs)}–${seconds(variant.maxMs)}) | ${variant.vsLimit.toFixed(2)} | ${reference} | ${variant.peakRssMb?.toFixed(0) ?? '–'} | ${(variant.bytes / 2 ** 20).toFixed(1)} |\n`,
    );
  }
}
