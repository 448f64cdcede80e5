// One benchmark variant in its own process: `node … variant.ts <name>` exports the bench report
// once and prints one JSON line {ms, bytes, rows, peakRssMb}. Peak RSS is this process's VmHWM,
// so no variant's memory depends on which ran before it.
// archiver 8 has no bundled types; the declaration travels with this file.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./types/archiver.d.ts" />
import { readFile } from 'node:fs/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import { stringify } from 'csv-stringify';
import Cursor from 'pg-cursor';
import { to as copyTo } from 'pg-copy-streams';
import { createPool } from '@reportrun/db';
import { bindSettingsSql, copyStatementSql } from '@reportrun/reports';
import { exportReport } from '@reportrun/runner';
import { Upload } from '@aws-sdk/lib-storage';
import { createStorage, deleteObject } from '@reportrun/storage';
import { benchReport, partSize } from './bench-report.ts';

const name = process.argv[2] ?? '';
const pool = createPool(process.env.DATABASE_URL!, { max: 8 });
const storageSettings = {
  endpoint: process.env.S3_ENDPOINT,
  region: process.env.S3_REGION ?? 'us-east-1',
  bucket: process.env.S3_BUCKET ?? 'reportrun-bench',
  accessKeyId: process.env.S3_ACCESS_KEY_ID ?? 'S3RVER',
  secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? 'S3RVER',
};
const storage = createStorage(storageSettings);
// The references upload as the SDK does by default: the body's SHA-256 in each part's signature.
const referenceStorage = createStorage({ ...storageSettings, payloadSigning: 'sha256' });
const compiled = benchReport();
const key = `bench/${name.replaceAll(/[^a-z0-9]+/gi, '-')}-${process.pid}`;

/** Counts bytes on their way to the upload. */
function counter(): Transform & { bytes: number } {
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      stream.bytes += chunk.length;
      callback(null, chunk);
    },
  }) as Transform & { bytes: number };
  stream.bytes = 0;
  return stream;
}

async function upload(body: Readable): Promise<void> {
  // The SDK's own streaming upload (lib-storage), as most services write it: the service's part
  // size and parts in flight, a new buffer per part, each part's SHA-256 in its signature.
  await new Upload({ client: referenceStorage.s3, params: { Bucket: referenceStorage.bucket, Key: key, Body: body, ContentType: 'text/csv' }, partSize, queueSize: 2, leavePartsOnError: false }).done();
}

/** A bare COPY → multipart upload, optionally through archiver's ZIP at zlib level 6. */
async function referenceCopy(zip: boolean): Promise<{ bytes: number; rows: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const bind = bindSettingsSql(compiled);
    if (bind) await client.query(bind.text, bind.values);
    const copy = client.query(copyTo(copyStatementSql(compiled)));
    const bytes = counter();
    const body = new PassThrough();
    let produce: Promise<unknown>;
    if (zip) {
      const archive = new ZipArchive({ zlib: { level: 6 } });
      archive.append(copy, { name: 'bench.csv', date: new Date() });
      produce = Promise.all([pipeline(archive, bytes, body), archive.finalize()]);
    } else {
      produce = pipeline(copy, bytes, body);
    }
    await Promise.all([produce, upload(body)]);
    await client.query('COMMIT');
    return { bytes: bytes.bytes, rows: copy.rowCount };
  } finally {
    client.release();
  }
}

/** The common approach: read rows through a cursor, format them with csv-stringify. */
async function rowCursor(): Promise<{ bytes: number; rows: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const bind = bindSettingsSql(compiled);
    if (bind) await client.query(bind.text, bind.values);
    const cursor = client.query(new Cursor<Record<string, unknown>>(compiled.sql, [], { rowMode: 'array' }));
    let rows = 0;
    async function* read() {
      for (;;) {
        const batch = await cursor.read(1000);
        if (batch.length === 0) return;
        rows += batch.length;
        yield* batch;
      }
    }
    const bytes = counter();
    const body = new PassThrough();
    await Promise.all([pipeline(read(), stringify({ header: true, columns: compiled.columns }), bytes, body), upload(body)]);
    await cursor.close();
    await client.query('COMMIT');
    return { bytes: bytes.bytes, rows };
  } finally {
    client.release();
  }
}

async function service(compress: boolean, shards: number): Promise<{ bytes: number; rows: number }> {
  const file = await exportReport({
    reportingPool: pool,
    storage,
    compiled,
    objectKey: key,
    filename: 'bench',
    compress,
    statementTimeoutMs: 3_600_000,
    ...(shards > 1 ? { shards: { shards, minRows: 0 } } : {}),
  });
  return { bytes: file.size, rows: file.rows };
}

const variants: Record<string, () => Promise<{ bytes: number; rows: number }>> = {
  'node-copy-upload': () => referenceCopy(false),
  'reference-zip': () => referenceCopy(true),
  'row-cursor-csv-stringify': rowCursor,
  'service-csv': () => service(false, 1),
  'service-zip': () => service(true, 1),
  'service-csv-2-shards': () => service(false, 2),
  'service-csv-4-shards': () => service(false, 4),
  'service-zip-2-shards': () => service(true, 2),
};

const work = variants[name];
if (!work) throw new Error(`unknown variant ${name}; one of ${Object.keys(variants).join(', ')}`);
// Connections and the S3 client warm up outside the measured span.
await pool.query('SELECT 1');
const started = performance.now();
const result = await work();
const ms = performance.now() - started;
const status = await readFile('/proc/self/status', 'utf8');
const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
process.stdout.write(`${JSON.stringify({ ms, ...result, peakRssMb: peakKb / 1024 })}\n`);
await deleteObject(storage, key).catch(() => {});
await pool.end();
storage.s3.destroy();
referenceStorage.s3.destroy();
