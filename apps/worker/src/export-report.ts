// archiver 8 has no bundled types; the declaration must travel with this file to every importer.
// eslint-disable-next-line @typescript-eslint/triple-slash-reference
/// <reference path="./types/archiver.d.ts" />
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipArchive } from 'archiver';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { bindSettingsSql, type CompiledReport } from '@reportrun/reports';
import { uploadStream, type Storage } from '@reportrun/storage';

export interface ExportReportInput {
  reportingPool: pg.Pool;
  storage: Storage;
  compiled: CompiledReport;
  objectKey: string;
  /** Name of the CSV inside the ZIP, and of the download. */
  filename: string;
  compress: boolean;
  statementTimeoutMs: number;
  signal?: AbortSignal;
  onUploadStarted?: () => void;
}

export interface ExportedFile {
  size: number;
  rows: number;
}

/**
 * Streams a report from `COPY … TO STDOUT` (optionally through a ZIP) into a multipart upload.
 * Memory stays bounded by stream buffers and the upload's in-flight parts, whatever the size
 * of the report. The query runs in a read-only snapshot with a statement timeout.
 */
export async function exportReport(input: ExportReportInput): Promise<ExportedFile> {
  const client = await input.reportingPool.connect();
  let clientBroken = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(input.statementTimeoutMs))}`);
    const bind = bindSettingsSql(input.compiled);
    if (bind) await client.query(bind.text, bind.values);

    const copy = client.query(
      copyTo(`COPY (${input.compiled.sql}) TO STDOUT WITH (FORMAT csv, HEADER)`),
    );
    let size = 0;
    const byteCounter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        callback(null, chunk);
      },
    });
    const body = new PassThrough();
    const produce = input.compress
      ? zipInto(copy, `${input.filename}.csv`, byteCounter, body)
      : pipeline(copy, byteCounter, body);
    const upload = uploadStream(input.storage, {
      key: input.objectKey,
      body,
      contentType: input.compress ? 'application/zip' : 'text/csv; charset=utf-8',
      contentDisposition: `attachment; filename="${input.filename}.${input.compress ? 'zip' : 'csv'}"`,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    input.onUploadStarted?.();
    try {
      await Promise.all([produce, upload]);
    } catch (error) {
      clientBroken = true;
      copy.destroy();
      body.destroy();
      // Whichever side failed first, surface the database error when there is one: it says why.
      const results = await Promise.allSettled([produce, upload]);
      const first = results.find((result) => result.status === 'rejected') as PromiseRejectedResult | undefined;
      throw first?.reason ?? error;
    }
    await client.query('COMMIT');
    return { size, rows: copy.rowCount };
  } catch (error) {
    clientBroken = true;
    throw error;
  } finally {
    // A client that failed mid-COPY may still be streaming; never hand it back to the pool.
    client.release(clientBroken ? true : undefined);
  }
}

async function zipInto(
  source: Readable,
  entryName: string,
  byteCounter: Transform,
  body: PassThrough,
): Promise<void> {
  const archive = new ZipArchive({ zlib: { level: 6 } });
  let sourceError: unknown;
  source.once('error', (error) => {
    sourceError = error;
    // Fail the upload before the aborted archive can end the body: a truncated ZIP must
    // never be completed as if it were the report.
    body.destroy(error);
    archive.abort();
  });
  archive.append(source, { name: entryName, date: new Date() });
  const finalized = archive.finalize();
  await Promise.all([pipeline(archive, byteCounter, body), finalized]);
  if (sourceError) throw sourceError;
}
