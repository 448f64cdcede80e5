import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { bindSettingsSql, copyStatementSql, shardFromSetting, shardToSetting, type CompiledReport } from '@reportrun/reports';

export interface ShardSettings {
  /** Connections to read a large result on; 1 turns sharding off. */
  shards: number;
  /** Results with fewer rows are read on one connection: the extra connections would cost more than they save. */
  minRows: number;
}

export interface ShardedCopy {
  /** The whole file, ranges in order, the header once. */
  stream: Readable;
  /** Server processes of the extra shards (the first shard runs on the caller's connection). */
  backendPids: number[];
  /** Rows copied so far, all shards. */
  rows(): number;
  /** Commits and closes the extra connections, or drops them when the export failed; removes the spool. */
  close(failed: boolean): Promise<void>;
}

interface Shard {
  client: pg.Client;
  copy: ReturnType<typeof copyTo>;
  path: string;
  spooled: Promise<void>;
}

/**
 * Splits a large export into ranges of the report's leading ordering key and reads each range
 * with its own `COPY` on its own connection, all inside the snapshot of the caller's
 * transaction (`pg_export_snapshot` / `SET TRANSACTION SNAPSHOT`), so the file holds exactly what
 * the one query would have returned, rows inserted meanwhile included or not alike. The first
 * range streams on the caller's connection; the later ones run at the same time and are
 * spooled to a temporary file each until their turn, so memory stays bounded and the database
 * reads the ranges in parallel. Returns null when the export should stay on one connection
 * (one shard asked for, a report without a shard key, a small or empty result).
 *
 * `client` must be inside the export's REPEATABLE READ transaction with the report's settings
 * bound.
 */
export async function openShardedCopy(
  client: pg.PoolClient,
  input: { pool: pg.Pool; compiled: CompiledReport; settings: ShardSettings; statementTimeoutMs: number; signal?: AbortSignal },
): Promise<ShardedCopy | null> {
  const queries = input.compiled.shard;
  const count = Math.floor(input.settings.shards);
  if (!queries || count <= 1) return null;
  // The caller cancels the statement running on `client` when the signal fires; a cancel that
  // lands between two statements finds nothing to stop, so each step looks at the signal too.
  if (input.settings.minRows > 0) {
    const { rows } = await client.query<{ rows: number }>(queries.countSql, [input.settings.minRows]);
    input.signal?.throwIfAborted();
    if ((rows[0]?.rows ?? 0) < input.settings.minRows) return null;
  }
  const { rows: boundRows } = await client.query<{ low: number | null; high: number | null }>(queries.boundsSql);
  input.signal?.throwIfAborted();
  const { low, high } = boundRows[0] ?? { low: null, high: null };
  if (low === null || high === null) return null;
  const { rows: snapshotRows } = await client.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
  input.signal?.throwIfAborted();
  const snapshot = snapshotRows[0]!.snapshot;
  // Snapshot ids are hex digits and dashes; checked because SET TRANSACTION takes no bind parameter.
  if (!/^[0-9A-Fa-f-]+$/.test(snapshot)) throw new Error(`unexpected snapshot id ${snapshot}`);

  // Even cuts of the key's span: cheap to find (two index probes), and correct whatever the
  // data's shape; skewed data only makes the shards uneven. Open ends catch every row.
  const cuts = Array.from({ length: count - 1 }, (_, index) => new Date((low + ((high - low) * (index + 1)) / count) * 1000).toISOString());
  const edges = ['-infinity', ...cuts, 'infinity'];
  const ranges = edges.slice(0, -1).map((from, index) => ({ from, to: edges[index + 1]! }));

  await bindRange(client, ranges[0]!);
  const first = client.query(copyTo(copyStatementSql(input.compiled, { sql: queries.sql })));
  first.on('error', ignoreEcho);

  const directory = await mkdtemp(join(tmpdir(), 'reportrun-shards-'));
  const shards: Shard[] = [];
  let closed = false;
  const dropShards = async () => {
    for (const shard of shards) shard.copy.destroy();
    await Promise.all(
      shards.map(async (shard) => {
        const pid = (shard.client as unknown as { processID: number }).processID;
        await input.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
        await shard.client.end().catch(() => {});
      }),
    );
  };
  try {
    for (const [index, range] of ranges.slice(1).entries()) {
      shards.push(await startShard(input, snapshot, range, join(directory, `shard-${index + 1}`)));
      // The caller's cancel only knows the shards it is handed: one that fired while they
      // connected is acted on here, by dropping (and canceling) every shard started so far.
      input.signal?.throwIfAborted();
    }
  } catch (error) {
    first.destroy();
    await dropShards();
    await rm(directory, { recursive: true, force: true });
    throw error;
  }

  async function* inOrder(): AsyncGenerator<Buffer> {
    for await (const chunk of first) yield chunk as Buffer;
    for (const shard of shards) {
      await shard.spooled;
      for await (const chunk of createReadStream(shard.path, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
    }
  }
  const stream = Readable.from(inOrder(), { objectMode: false });
  // A later shard that fails stops the file now, not when its turn would have come.
  for (const shard of shards) shard.spooled.catch((error: unknown) => stream.destroy(error instanceof Error ? error : new Error(String(error))));
  // The first shard's errors reach the file through the generator; destroying the file
  // (abort, upload failure) stops the first shard's COPY as well.
  stream.on('close', () => {
    if (!first.destroyed && !first.readableEnded) first.destroy();
  });

  return {
    stream,
    backendPids: shards.map((shard) => (shard.client as unknown as { processID: number }).processID),
    rows: () => first.rowCount + shards.reduce((total, shard) => total + shard.copy.rowCount, 0),
    async close(failed) {
      if (closed) return;
      closed = true;
      if (failed) await dropShards();
      else await Promise.all(shards.map(async (shard) => {
        await shard.client.query('COMMIT');
        await shard.client.end();
      }));
      await rm(directory, { recursive: true, force: true });
    },
  };
}

async function startShard(
  input: { pool: pg.Pool; compiled: CompiledReport; statementTimeoutMs: number },
  snapshot: string,
  range: { from: string; to: string },
  path: string,
): Promise<Shard> {
  const client = new pg.Client(input.pool.options);
  // Like the main connection: a connection lost between statements must reach no one; the
  // shard's own query or stream reports the failure.
  client.on('error', ignoreEcho);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET TRANSACTION SNAPSHOT '${snapshot}'`);
    await client.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(input.statementTimeoutMs))}`);
    const bind = bindSettingsSql(input.compiled);
    if (bind) await client.query(bind.text, bind.values);
    await bindRange(client, range);
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  const copy = client.query(copyTo(copyStatementSql(input.compiled, { sql: input.compiled.shard!.sql, header: false })));
  copy.on('error', ignoreEcho);
  const spooled = pipeline(copy, createWriteStream(path));
  spooled.catch(() => {});
  return { client, copy, path, spooled };
}

async function bindRange(client: pg.ClientBase, range: { from: string; to: string }): Promise<void> {
  await client.query(`SELECT set_config('${shardFromSetting}', $1, true), set_config('${shardToSetting}', $2, true)`, [range.from, range.to]);
}

/** Listener for errors that were already delivered to the export another way. */
function ignoreEcho(): void {}
