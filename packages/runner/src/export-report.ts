import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { bindSettingsSql, copyStatementSql, resultFileFormats, type CompiledReport } from '@reportrun/reports';
import { uploadStream, type Storage } from '@reportrun/storage';
import { beginReadOnlySnapshot } from './read-only-snapshot.ts';
import { readTotals, type MeasureTotals } from './run-summary.ts';
import { observeChunks, recordCounterFor, type ExportProgress } from './export-progress.ts';
import { openShardedCopy, type ShardedCopy, type ShardSettings } from './sharded-copy.ts';
import { sharedDeflatePool, zipEntryStream, zipLevel } from './zip/index.ts';

export interface ExportReportInput {
  reportingPool: pg.Pool;
  storage: Storage;
  compiled: CompiledReport;
  objectKey: string;
  /** Name (without extension) of the file inside the ZIP, and of the download. */
  filename: string;
  compress: boolean;
  /** The time stamped on the file inside a ZIP; now unless given. */
  modifiedAt?: Date;
  statementTimeoutMs: number;
  /** Read a large result on several connections (sharded-copy.ts); one connection when unset. */
  shards?: ShardSettings;
  signal?: AbortSignal;
  onUploadStarted?: () => void;
  /**
   * Called as data flows (many times a second): rows counted in the query's output so far and
   * bytes produced for storage so far (after compression). Keep it cheap; throttle writes.
   */
  onProgress?: (progress: ExportProgress) => void;
  /**
   * Also read the report's measure totals per currency (`ExportedFile.totals`): one more
   * aggregate over the rows, so only for runs whose summary shows them (scheduled runs).
   */
  measureTotals?: boolean;
}

export interface ExportedFile {
  size: number;
  rows: number;
  /** The report's measure totals per currency, when it has both (see `TotalsQuery`). */
  totals?: MeasureTotals;
}

/**
 * Streams a report from `COPY … TO STDOUT` (optionally through a ZIP) into a multipart upload.
 * Memory stays bounded by stream buffers and the upload's in-flight parts, whatever the size
 * of the report. The query runs in a read-only snapshot with a statement timeout.
 */
export async function exportReport(input: ExportReportInput): Promise<ExportedFile> {
  const client = await input.reportingPool.connect();
  let clientBroken = false;
  // While checked out, a pg client has no 'error' listener of the pool's: a connection lost
  // between statements (or while the client is being destroyed) would be emitted to nobody and
  // take the process down. The query's own promise or stream reports the failure to the run.
  const onClientError = () => {
    clientBroken = true;
  };
  client.on('error', onClientError);
  // Destroying a stream does not stop the server: an abort cancels the running statement by its
  // backend pid, on the export's connection and on every shard's, and stops the pipeline so the
  // upload sees it too. Installed before the first statement, so a cancel, timeout or shutdown
  // that arrives while a sharded export plans (the bounded count, the key's bounds) stops that
  // query at once instead of after it.
  const backendPids = [(client as unknown as { processID: number }).processID];
  let copy: Readable | undefined;
  const stopOnAbort = () => {
    for (const backendPid of backendPids) {
      void input.reportingPool.query('SELECT pg_cancel_backend($1)', [backendPid]).catch(() => {});
    }
    copy?.destroy(abortReason(input.signal));
  };
  input.signal?.addEventListener('abort', stopOnAbort, { once: true });
  let sharded: ShardedCopy | null = null;
  try {
    await beginReadOnlySnapshot(client, { statementTimeoutMs: input.statementTimeoutMs, setup: bindSettingsSql(input.compiled) });

    input.signal?.throwIfAborted();
    sharded = input.shards
      ? await openShardedCopy(client, {
          pool: input.reportingPool,
          compiled: input.compiled,
          settings: input.shards,
          statementTimeoutMs: input.statementTimeoutMs,
          ...(input.signal ? { signal: input.signal } : {}),
        })
      : null;
    backendPids.push(...(sharded?.backendPids ?? []));
    // Aborted between the last planning step and here: the shards are dropped in `finally`.
    input.signal?.throwIfAborted();
    const single = sharded ? null : client.query(copyTo(copyStatementSql(input.compiled)));
    copy = sharded?.stream ?? single!;
    // pg-copy-streams emits 'error' once per fault it hears of, and a destroyed connection adds
    // a second `Connection terminated` after the first error: keep listening for the stream's
    // whole life. The first error reaches the run through the pipeline; later ones are echoes.
    copy.on('error', ignoreEcho);
    const file = resultFileFormats[input.compiled.format];
    let size = 0;
    const records = recordCounterFor(input.compiled.format);
    const report = () => input.onProgress?.({ rows: records.records, bytes: size });
    const byteCounter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        report();
        callback(null, chunk);
      },
    });
    // Rows are counted before compression, on the text the query produced.
    // Reported from here too: a ZIP's compressed bytes leave in whole blocks, so rows are what
    // moves steadily while a compressed run streams.
    const rowCounter = observeChunks((chunk) => {
      records.count(chunk);
      report();
    });
    rowCounter.on('error', ignoreEcho);
    const source = copy.pipe(rowCounter);
    copy.on('error', (error) => rowCounter.destroy(error));
    const body = new PassThrough();
    // The upload stops reading when it fails; a later destroy of the body must not be fatal.
    body.on('error', ignoreEcho);
    byteCounter.on('error', ignoreEcho);
    const produce = input.compress
      ? zipInto(source, `${input.filename}.${file.extension}`, input.modifiedAt ?? new Date(), byteCounter, body)
      : pipeline(source, byteCounter, body);
    const upload = uploadStream(input.storage, {
      key: input.objectKey,
      body,
      contentType: input.compress ? 'application/zip' : file.mimeType,
      contentDisposition: `attachment; filename="${input.filename}.${input.compress ? 'zip' : file.extension}"`,
      ...(input.signal ? { signal: input.signal } : {}),
    });
    // "uploading" from the first byte the query produces, not from when the upload is set up.
    byteCounter.once('data', () => input.onUploadStarted?.());
    try {
      await Promise.all([produce, upload]);
    } catch (error) {
      clientBroken = true;
      copy.destroy();
      body.destroy();
      const [produced, uploaded] = await Promise.allSettled([produce, upload]);
      throw causeOfFailure(produced, uploaded) ?? error;
    }
    // The extra shards read in this transaction's snapshot; their transactions end with it.
    await sharded?.close(false);
    const totals = input.measureTotals ? await readTotals(client, input.compiled) : null;
    await client.query('COMMIT');
    return { size, rows: sharded ? sharded.rows() : single!.rowCount, ...(totals ? { totals } : {}) };
  } catch (error) {
    clientBroken = true;
    // Whichever step the abort stopped (a planning query, a COPY, the upload), the export ends
    // the same way: with the abort's reason, not the canceled statement's error.
    throw input.signal?.aborted ? abortReason(input.signal) : error;
  } finally {
    input.signal?.removeEventListener('abort', stopOnAbort);
    // An abort that came as the export finished has a cancel on its way to this backend: handed
    // back to the pool, the connection could have the next borrower's statement canceled.
    if (input.signal?.aborted) clientBroken = true;
    await sharded?.close(true);
    // A client that failed mid-COPY may still be streaming; never hand it back to the pool.
    // A destroyed client keeps its error listener: its socket can still report the close.
    if (!clientBroken) client.off('error', onClientError);
    client.release(clientBroken ? true : undefined);
  }
}

/**
 * The error that says why an export failed, of the two sides that may both have: the database's
 * when there is one; but an upload that fails stops reading its body, which fails the producing
 * side with a bare `AbortError` or premature close that only echoes the upload's own error
 * (storage gone, refused, 5xx), and that error is the one to classify.
 */
function causeOfFailure(produced: PromiseSettledResult<void>, uploaded: PromiseSettledResult<void>): unknown {
  const producedError = produced.status === 'rejected' ? (produced.reason as unknown) : undefined;
  const uploadError = uploaded.status === 'rejected' ? (uploaded.reason as unknown) : undefined;
  if (producedError !== undefined && !(uploadError !== undefined && isStreamEcho(producedError))) return producedError;
  return uploadError;
}

function isStreamEcho(error: unknown): boolean {
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'AbortError' || code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** Listener for errors that were already delivered to the run another way. */
function ignoreEcho(): void {}

async function zipInto(
  source: Readable,
  entryName: string,
  modifiedAt: Date,
  byteCounter: Transform,
  body: PassThrough,
): Promise<void> {
  let sourceError: unknown;
  // `on`, not `once`: the COPY stream can emit a second error (the connection closing after a
  // cancel or timeout), and an 'error' nobody listens to ends the process.
  source.on('error', (error) => {
    if (sourceError) return;
    sourceError = error;
    // Fail the upload before anything else can end the body: a truncated ZIP must never be
    // completed as if it were the report.
    body.destroy(error);
  });
  const { archive, done } = zipEntryStream(source, { name: entryName, modifiedAt, level: zipLevel, pool: sharedDeflatePool() });
  archive.on('error', ignoreEcho);
  await Promise.all([pipeline(archive, byteCounter, body), done]);
  if (sourceError) throw sourceError;
}
