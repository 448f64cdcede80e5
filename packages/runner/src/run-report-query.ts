import type pg from 'pg';
import { beginReadOnlySnapshot } from './read-only-snapshot.ts';

/** A report query ready to run: an optional statement binding its values, then the SELECT. */
export interface ReportQueryToRun {
  /** Binds the query's values (e.g. `SELECT set_config('reportrun.p1', $1, true)`), or null. */
  setup: { text: string; values: string[] } | null;
  sql: string;
  /** The dataset's key in `dataset.dataset_freshness`. */
  freshnessKey: string;
  statementTimeoutMs: number;
}

export interface ReportQueryResult {
  /** Every value in Postgres' own text form (exact for numeric sums), or null. */
  rows: (string | null)[][];
  /** When the dataset was last materialized; null when it has no freshness record. */
  materializedAt: Date | null;
  /** Server clock minus `materializedAt` as the query ran; null without a record. */
  freshnessLagMs: number | null;
}

// Every column as text: bigint and numeric stay exact, and the caller decides what is a number.
const valuesAsText: pg.CustomTypesConfig = {
  getTypeParser: (() => (value: string) => value) as unknown as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * Runs a report query the way the worker's export does: one read-only REPEATABLE READ
 * transaction with a statement timeout, so the rows and the freshness record come from the same
 * snapshot and no query can write or run unbounded. A timeout surfaces as the Postgres error
 * (code 57014) for the caller to turn into its own answer.
 */
export async function runReportQuery(pool: pg.Pool, query: ReportQueryToRun): Promise<ReportQueryResult> {
  const client = await pool.connect();
  let clientBroken = false;
  try {
    try {
      await beginReadOnlySnapshot(client, query);
      const freshness = await client.query<{ materialized_at: Date; lag_ms: string }>(
        `SELECT materialized_at,
                greatest(0, floor(extract(epoch FROM clock_timestamp() - materialized_at) * 1000))::bigint::text AS lag_ms
           FROM dataset.dataset_freshness WHERE dataset = $1`,
        [query.freshnessKey],
      );
      const result = await client.query<(string | null)[]>({
        text: query.sql,
        rowMode: 'array',
        types: valuesAsText,
      });
      await client.query('COMMIT');
      const record = freshness.rows[0];
      return {
        rows: result.rows,
        materializedAt: record ? record.materialized_at : null,
        freshnessLagMs: record ? Number(record.lag_ms) : null,
      };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        clientBroken = true;
      });
      throw error;
    }
  } finally {
    client.release(clientBroken ? true : undefined);
  }
}
