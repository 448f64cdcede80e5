import type pg from 'pg';

export interface ReadOnlySnapshotOptions {
  statementTimeoutMs: number;
  /** Binds the query's values (e.g. `SELECT set_config('reportrun.p1', $1, true)`), or null. */
  setup: { text: string; values: unknown[] } | null;
}

/**
 * Opens the transaction every report query runs in, exported or answered synchronously: one
 * read-only REPEATABLE READ snapshot (so everything read in it agrees, and nothing can write)
 * with a statement timeout (so nothing runs unbounded), its values bound before the query.
 */
export async function beginReadOnlySnapshot(client: pg.PoolClient, options: ReadOnlySnapshotOptions): Promise<void> {
  // One round trip for both: the timeout is an integer made here, never a caller's text.
  await client.query(
    `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL statement_timeout = ${Math.max(1, Math.floor(options.statementTimeoutMs))}`,
  );
  if (options.setup) await client.query(options.setup.text, options.setup.values);
}
