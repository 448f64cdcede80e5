// `pnpm bench`: export throughput and memory of a report run, as ratios against a reference
// measured in the same run on the same data: the bare `COPY … TO STDOUT` stream drained into
// nothing. Ratios, not seconds, so results compare across machines.
//   BENCH_ROWS (default 300000) ledger rows; BENCH_REPEAT (default 3) runs per variant.
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { loadConfig } from '@reportrun/config';
import { createPool, ensureDatabaseExists, migrateDatabase, seedLedger } from '@reportrun/db';
import { compileReportSql, getCatalogReport, validateReportParameters, bindSettingsSql } from '@reportrun/reports';
import { createStorage, ensureBucket } from '@reportrun/storage';
import { startLocalS3 } from '@reportrun/testing';
import { exportReport } from '@reportrun/runner';

const rows = Number(process.env.BENCH_ROWS ?? 300_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const baseUrl = new URL(process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/reportrun');
baseUrl.pathname = '/reportrun_bench';
const databaseUrl = baseUrl.toString();

await ensureDatabaseExists(databaseUrl);
await migrateDatabase(databaseUrl);
const pool = createPool(databaseUrl, { max: 4 });
const { rows: [existing] } = await pool.query<{ count: string }>('SELECT count(*) FROM dataset.balance_transactions');
if (Number(existing?.count) !== rows) await seedLedger(pool, rows);

const config = loadConfig({ ...process.env, DATABASE_URL: databaseUrl });
const localS3 = config.S3_ENDPOINT ? undefined : await startLocalS3();
const storage = createStorage({
  endpoint: config.S3_ENDPOINT ?? localS3!.endpoint,
  region: config.S3_REGION,
  bucket: 'reportrun-bench',
  accessKeyId: localS3?.accessKeyId ?? config.S3_ACCESS_KEY_ID,
  secretAccessKey: localS3?.secretAccessKey ?? config.S3_SECRET_ACCESS_KEY,
});
await ensureBucket(storage);

const report = getCatalogReport('balance_change_from_activity.itemized.1');
const compiled = compileReportSql(
  report,
  validateReportParameters(report, { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' }).values,
);

interface Sample { ms: number; peakRssMb: number; bytes: number }

async function measure(work: () => Promise<number>): Promise<Sample> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 10);
  const started = performance.now();
  const bytes = await work();
  const ms = performance.now() - started;
  clearInterval(sampler);
  return { ms, peakRssMb: (peak - baseline) / 1024 / 1024, bytes };
}

async function bareCopy(): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    const bind = bindSettingsSql(compiled);
    if (bind) await client.query(bind.text, bind.values);
    let bytes = 0;
    await pipeline(
      client.query(copyTo(`COPY (${compiled.sql}) TO STDOUT WITH (FORMAT csv, HEADER)`)),
      new Writable({ write(chunk: Buffer, _encoding, callback) { bytes += chunk.length; callback(); } }),
    );
    await client.query('COMMIT');
    return bytes;
  } finally {
    client.release();
  }
}

const exportTo = (compress: boolean) => async () =>
  (await exportReport({
    reportingPool: pool,
    storage,
    compiled,
    objectKey: `bench/${compress ? 'zip' : 'csv'}-${Date.now()}`,
    filename: 'bench',
    compress,
    statementTimeoutMs: 600_000,
  })).size;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const variants: [string, () => Promise<number>][] = [
  ['reference: bare COPY to nowhere', bareCopy],
  ['export CSV to storage', exportTo(false)],
  ['export ZIP to storage', exportTo(true)],
];
const results = new Map<string, Sample[]>();
await bareCopy(); // warm caches so the reference is not penalised by the first read
for (let round = 0; round < repeat; round += 1) {
  for (const [name, work] of variants) {
    results.set(name, [...(results.get(name) ?? []), await measure(work)]);
  }
}
const reference = results.get(variants[0]![0])!;
const referenceMs = median(reference.map((sample) => sample.ms));
process.stdout.write(`\n${rows} ledger rows, median of ${repeat}\n`);
// Memory is reported against the CSV's size: streaming keeps it flat (part buffers only) while
// the file grows; a buffering exporter would approach or exceed 1. The loopback S3 server runs
// in this process, so its own buffers are included.
const csvMb = reference[0]!.bytes / 1024 / 1024;
process.stdout.write('variant                               time ratio   peak RSS MB   RSS / CSV size   file MB\n');
for (const [name] of variants) {
  const samples = results.get(name)!;
  const ms = median(samples.map((sample) => sample.ms));
  const rss = median(samples.map((sample) => sample.peakRssMb));
  const bytes = samples[0]!.bytes;
  process.stdout.write(
    `${name.padEnd(38)}${(ms / referenceMs).toFixed(2).padStart(10)}${rss.toFixed(1).padStart(14)}` +
      `${(rss / csvMb).toFixed(2).padStart(17)}${(bytes / 1024 / 1024).toFixed(1).padStart(10)}\n`,
  );
}
await pool.end();
storage.s3.destroy();
await localS3?.stop();
