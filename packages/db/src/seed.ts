import type pg from 'pg';
import { createApiKey, createTeam, type IssuedApiKey } from './api-keys.ts';
import type { PrismaClient } from './client.ts';

export const demoTeamId = 'team_demo';
export const ledgerDataset = 'balance_transactions';
/** The ledger spans 2025 so that reports have a known window to ask for. */
export const ledgerStart = new Date('2025-01-01T00:00:00Z');
export const ledgerEnd = new Date('2026-01-01T00:00:00Z');

/**
 * Descriptions chosen to break naive CSV writers and spreadsheets: separators, quotes, line
 * breaks, non-ASCII text, formula prefixes, and NULL.
 */
const awkwardDescriptions = [
  'Payment for invoice 1042',
  'Order #7, "gift wrap", express',
  'Line one\nLine two',
  'Crème brûlée – naïve café 日本語 🚀',
  null,
  '=HYPERLINK("http://example.invalid","click")',
  '+1 (555) 010-9999',
  '-42 adjustment',
  '@channel payout',
  '\tleading tab',
  'Carriage\r\nreturn',
  'Semicolon; comma, pipe | done',
  "O'Brien's \"quoted\" order",
];

/**
 * Fills the demo ledger with `rows` transactions, deterministically: every value derives from
 * the row number, so two seeds of the same size hold identical data. Runs as set-based SQL.
 */
export async function seedLedger(pool: pg.Pool, rows: number): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('TRUNCATE dataset.balance_transactions, dataset.payouts');
    await client.query(
      `
      WITH params AS (
        SELECT $2::timestamptz AS start_at,
               extract(epoch FROM ($3::timestamptz - $2::timestamptz)) / GREATEST($1::int, 1) AS step
      ),
      series AS (
        SELECT n,
               (n * 7919) % 100 AS pick,
               ((n * 104729) % 997) AS noise
        FROM generate_series(1::bigint, $1::bigint) AS n
      ),
      shaped AS (
        SELECT n, pick, noise,
               p.start_at + make_interval(secs => floor((n - 1) * p.step)::int) AS created,
               CASE WHEN pick < 55 THEN 'usd' WHEN pick < 75 THEN 'eur'
                    WHEN pick < 88 THEN 'gbp' ELSE 'jpy' END AS currency,
               CASE WHEN n % 29 = 0 THEN 'payout' WHEN n % 11 = 0 THEN 'refund'
                    WHEN n % 97 = 0 THEN 'adjustment' ELSE 'charge' END AS type
        FROM series, params p
      )
      INSERT INTO dataset.balance_transactions
        (id, created, available_on, currency, amount, fee, net, type, reporting_category,
         customer, description, status)
      SELECT
        'txn_' || lpad(n::text, 10, '0'),
        created,
        created + interval '2 days',
        currency,
        amount,
        fee,
        amount - fee,
        type,
        type,
        CASE WHEN n % 7 = 0 THEN NULL ELSE 'cus_' || lpad(((n * 31) % 5000)::text, 6, '0') END,
        ($4::text[])[1 + n % cardinality($4::text[])],
        CASE WHEN created + interval '2 days' < $3::timestamptz - interval '3 days'
             THEN 'available' ELSE 'pending' END
      FROM (
        SELECT s.*,
               CASE s.type
                 WHEN 'payout' THEN -(50000 + noise * 100)
                 WHEN 'refund' THEN -(500 + noise * 7)
                 WHEN 'adjustment' THEN (noise - 500) * 3
                 ELSE 500 + noise * 13
               END AS amount,
               CASE s.type WHEN 'charge' THEN 30 + (500 + noise * 13) * 29 / 1000 ELSE 0 END AS fee
        FROM shaped s
      ) AS ledger
      `,
      [rows, ledgerStart.toISOString(), ledgerEnd.toISOString(), awkwardDescriptions],
    );
    // Each payout transaction's payout, derived from its row (and its number n) like the rest.
    await client.query(`
      INSERT INTO dataset.payouts
        (id, balance_transaction_id, amount, currency, arrival_date, status, method, destination)
      SELECT 'po_' || substr(bt.id, 5),
             bt.id,
             -bt.amount,
             bt.currency,
             ((bt.created AT TIME ZONE 'UTC')::date + CASE WHEN bt.n % 5 = 0 THEN 0 ELSE 2 END)::timestamp AT TIME ZONE 'UTC',
             CASE WHEN bt.status = 'available' THEN 'paid' ELSE 'in_transit' END,
             CASE WHEN bt.n % 5 = 0 THEN 'instant' ELSE 'standard' END,
             'ba_' || bt.currency || '_' || lpad((bt.n % 3 + 1)::text, 4, '0')
      FROM (SELECT t.*, substr(t.id, 5)::bigint AS n
            FROM dataset.balance_transactions t WHERE t.type = 'payout') AS bt`);
    await client.query(
      `INSERT INTO dataset.dataset_freshness (dataset, materialized_at) VALUES ($1, now())
       ON CONFLICT (dataset) DO UPDATE SET materialized_at = excluded.materialized_at`,
      [ledgerDataset],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  // Until statistics exist the planner guesses a tiny table and picks a bitmap scan and a full
  // sort for every export; autovacuum would only catch up minutes later.
  await pool.query('ANALYZE dataset.balance_transactions, dataset.payouts');
}

export interface SeedResult {
  teamId: string;
  /** Only when the team was created by this call: its first test-mode key. */
  apiKey: IssuedApiKey | null;
  ledgerRows: number;
}

/** Creates the demo team (with a test key shown once) and fills the ledger. */
export async function seedDemo(
  prisma: PrismaClient,
  pool: pg.Pool,
  options: { rows: number },
): Promise<SeedResult> {
  // The ledger first: a key is printed only once, so it must not be issued by a failed seed.
  await seedLedger(pool, options.rows);
  let apiKey: IssuedApiKey | null = null;
  const existing = await prisma.team.findUnique({ where: { id: demoTeamId } });
  if (!existing) await createTeam(prisma, 'Demo team', demoTeamId);
  // Decided by the team's keys, not the team: a run that created the team but failed to issue
  // its key must not leave the demo team without one for good.
  if ((await prisma.apiKey.count({ where: { teamId: demoTeamId } })) === 0) {
    apiKey = await createApiKey(prisma, { teamId: demoTeamId, livemode: false, name: 'demo' });
  }
  return { teamId: demoTeamId, apiKey, ledgerRows: options.rows };
}

export async function countLedgerRows(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ count: string }>(
    'SELECT count(*) AS count FROM dataset.balance_transactions',
  );
  return Number(rows[0]?.count ?? 0);
}
