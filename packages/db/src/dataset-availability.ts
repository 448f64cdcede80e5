import type pg from 'pg';

export interface DatasetAvailability {
  /** The earliest transaction in the ledger, or null when it is empty. */
  firstCreatedAt: Date | null;
  /** When the ledger was last written (its freshness record), or null without one. */
  materializedAt: Date | null;
}

/**
 * Which stretch of time the ledger that the catalog reports read holds data for: what Stripe's
 * report types call `data_available_start` and `data_available_end`. Read from the reporting
 * database; `min(created)` is served by the ledger's index on `created`.
 */
export async function readLedgerAvailability(pool: pg.Pool): Promise<DatasetAvailability> {
  const { rows } = await pool.query<{ first: Date | null; materialized: Date | null }>(
    `SELECT (SELECT min(created) FROM dataset.balance_transactions) AS first,
            (SELECT materialized_at FROM dataset.dataset_freshness WHERE dataset = 'balance_transactions') AS materialized`,
  );
  return { firstCreatedAt: rows[0]?.first ?? null, materializedAt: rows[0]?.materialized ?? null };
}
