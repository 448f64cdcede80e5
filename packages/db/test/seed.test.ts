import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  countLedgerRows,
  createApiKey,
  createDatabase,
  createPool,
  demoTeamId,
  findApiKeyBySecret,
  ledgerEnd,
  ledgerStart,
  revokeApiKey,
  seedDemo,
  seedLedger,
  type IssuedApiKey,
} from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';

const fixture = useTestFixture({ database: { createDatabase } });

/** Large enough that every row pattern of the generator (and every description) occurs. */
const rows = 1000;

async function ledgerDigest(): Promise<{ digest: string; count: number }> {
  const { rows: result } = await fixture.db.pool.query<{ digest: string; count: string }>(
    `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t.id)) AS digest, count(*) AS count
     FROM dataset.balance_transactions t`,
  );
  return { digest: result[0]!.digest, count: Number(result[0]!.count) };
}

async function count(sql: string, values: unknown[] = []): Promise<number> {
  const { rows: result } = await fixture.db.pool.query<{ count: string }>(sql, values);
  return Number(result[0]!.count);
}

describe('seedLedger', () => {
  it('inserts exactly the number of rows asked for, replacing any earlier ledger', async () => {
    await seedLedger(fixture.db.pool, rows);
    expect(await count('SELECT count(*) AS count FROM dataset.balance_transactions')).toBe(rows);
    expect(await countLedgerRows(fixture.db.pool)).toBe(rows);

    await seedLedger(fixture.db.pool, 37);
    expect(await count('SELECT count(*) AS count FROM dataset.balance_transactions')).toBe(37);
    expect(await countLedgerRows(fixture.db.pool)).toBe(37);
  });

  it('writes identical data every time it is asked for the same size', async () => {
    await seedLedger(fixture.db.pool, rows);
    const first = await ledgerDigest();
    // A different size in between shows the digest notices a change and the reseed rewrote it.
    await seedLedger(fixture.db.pool, rows - 1);
    const other = await ledgerDigest();
    await seedLedger(fixture.db.pool, rows);
    const again = await ledgerDigest();

    expect(first.count).toBe(rows);
    expect(other.digest).not.toBe(first.digest);
    expect(again).toEqual(first);
  });

  it('contains the values that break naive CSV writers and spreadsheets', async () => {
    await seedLedger(fixture.db.pool, rows);
    const { rows: found } = await fixture.db.pool.query<Record<string, boolean>>(
      `SELECT
         bool_or(strpos(description, ',') > 0) AS comma,
         bool_or(strpos(description, '"') > 0) AS double_quote,
         bool_or(strpos(description, E'\\n') > 0) AS newline,
         bool_or(strpos(description, E'\\r') > 0) AS carriage_return,
         bool_or(octet_length(description) > char_length(description)) AS non_ascii,
         bool_or(left(description, 1) = '=') AS starts_with_equals,
         bool_or(customer IS NULL) AS null_customer,
         bool_or(description IS NULL) AS null_description,
         bool_or(customer IS NOT NULL AND description IS NOT NULL) AS ordinary_row
       FROM dataset.balance_transactions`,
    );
    expect(found[0]).toEqual({
      comma: true,
      double_quote: true,
      newline: true,
      carriage_return: true,
      non_ascii: true,
      starts_with_equals: true,
      null_customer: true,
      null_description: true,
      ordinary_row: true,
    });
  });

  it('gives every payout transaction exactly one payout, derived from it the same way every time', async () => {
    const payoutsDigest = async () =>
      (await fixture.db.pool.query<{ digest: string }>(
        `SELECT md5(string_agg(p::text, E'\\n' ORDER BY p.id)) AS digest FROM dataset.payouts p`,
      )).rows[0]!.digest;
    const check = async () =>
      (await fixture.db.pool.query<{ transactions: string; payouts: string; matching: string }>(
        `SELECT (SELECT count(*) FROM dataset.balance_transactions WHERE type = 'payout') AS transactions,
                (SELECT count(*) FROM dataset.payouts) AS payouts,
                (SELECT count(*) FROM dataset.payouts p
                   JOIN dataset.balance_transactions bt ON bt.id = p.balance_transaction_id
                  WHERE bt.type = 'payout' AND p.amount = -bt.amount AND p.amount > 0
                    AND p.currency = bt.currency AND p.arrival_date >= date_trunc('day', bt.created)) AS matching`,
      )).rows[0]!;
    await seedLedger(fixture.db.pool, rows);
    const first = await check();
    expect(Number(first.transactions)).toBeGreaterThan(0);
    expect(first).toEqual({ transactions: first.transactions, payouts: first.transactions, matching: first.transactions });
    const digest = await payoutsDigest();
    // A smaller reseed leaves no payout of a transaction that is gone.
    await seedLedger(fixture.db.pool, 37);
    expect((await check()).payouts).toBe((await check()).transactions);
    await seedLedger(fixture.db.pool, rows);
    expect(await payoutsDigest()).toBe(digest);
  });

  it('keeps net equal to amount minus fee on every row', async () => {
    await seedLedger(fixture.db.pool, rows);
    const { rows: found } = await fixture.db.pool.query<{ total: string; wrong: string; charged: string }>(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE net IS DISTINCT FROM amount - fee) AS wrong,
              count(*) FILTER (WHERE fee <> 0) AS charged
       FROM dataset.balance_transactions`,
    );
    // Rows with a fee make the check meaningful: with fee 0 everywhere net = amount would do.
    expect(found[0]).toEqual({ total: String(rows), wrong: '0', charged: expect.not.stringMatching(/^0$/) });
  });

  it('dates every transaction inside the window reports are told the ledger covers', async () => {
    await seedLedger(fixture.db.pool, rows);
    const { rows: found } = await fixture.db.pool.query<{ first: Date; last: Date }>(
      'SELECT min(created) AS first, max(created) AS last FROM dataset.balance_transactions',
    );
    expect(found[0]!.first.getTime()).toBeGreaterThanOrEqual(ledgerStart.getTime());
    expect(found[0]!.last.getTime()).toBeLessThan(ledgerEnd.getTime());
  });

  it('leaves the planner fresh statistics of the tables it filled, without waiting for autovacuum', async () => {
    const before = await fixture.db.pool.query<{ now: Date }>('SELECT now() AS now');
    await seedLedger(fixture.db.pool, rows);
    // reltuples is only exact after an ANALYZE that read the whole (small) table, and
    // last_analyze is set by a manual ANALYZE only (autovacuum sets last_autoanalyze).
    const { rows: found } = await fixture.db.pool.query<{ relname: string; reltuples: number; last_analyze: Date | null }>(
      `SELECT c.relname, c.reltuples::float8 AS reltuples, s.last_analyze
       FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE s.schemaname = 'dataset' AND s.relname IN ('balance_transactions', 'payouts')
       ORDER BY c.relname`,
    );
    const payouts = await count('SELECT count(*) AS count FROM dataset.payouts');
    expect(payouts).toBeGreaterThan(0);
    expect(found.map(({ relname, reltuples }) => ({ relname, reltuples }))).toEqual([
      { relname: 'balance_transactions', reltuples: rows },
      { relname: 'payouts', reltuples: payouts },
    ]);
    for (const table of found) {
      expect(table.last_analyze?.getTime(), table.relname).toBeGreaterThanOrEqual(before.rows[0]!.now.getTime());
    }
  });

  it("marks the 'balance_transactions' dataset as freshly materialized", async () => {
    // An old timestamp first, so the check sees the seed overwrite it rather than insert once.
    await fixture.db.pool.query(
      `INSERT INTO dataset.dataset_freshness (dataset, materialized_at)
       VALUES ('balance_transactions', '2000-01-01T00:00:00Z')
       ON CONFLICT (dataset) DO UPDATE SET materialized_at = excluded.materialized_at`,
    );
    const before = Date.now();
    await seedLedger(fixture.db.pool, rows);
    const { rows: found } = await fixture.db.pool.query<{ dataset: string; materialized_at: Date }>(
      'SELECT dataset, materialized_at FROM dataset.dataset_freshness',
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.dataset).toBe('balance_transactions');
    // Postgres and test clocks agree here, but allow a little skew and the column's rounding.
    expect(found[0]!.materialized_at.getTime()).toBeGreaterThan(before - 5_000);
    expect(found[0]!.materialized_at.getTime()).toBeLessThan(Date.now() + 5_000);
  });
});

describe('seedDemo', () => {
  let issued: IssuedApiKey;

  it('issues no API key when the ledger cannot be written', async () => {
    const closed = createPool(fixture.environment.config.DATABASE_URL);
    await closed.end();
    await expect(seedDemo(fixture.db.prisma, closed, { rows: 10 })).rejects.toThrow();
    expect(await count('SELECT count(*) AS count FROM public.teams')).toBe(0);
    expect(await count('SELECT count(*) AS count FROM public.api_keys')).toBe(0);
  });

  it('issues the key on a later run when issuing it failed after the team was created', async () => {
    // Back to an empty database for the tests below, whatever happens here.
    onTestFinished(async () => {
      await fixture.db.prisma.team.deleteMany({ where: { id: demoTeamId } });
    });
    // A real failure of the key insert, between the two writes seedDemo makes.
    await fixture.db.pool.query(`
      CREATE FUNCTION public.refuse_api_key() RETURNS trigger LANGUAGE plpgsql
        AS $$ BEGIN RAISE EXCEPTION 'simulated outage'; END $$;
      CREATE TRIGGER refuse_api_key BEFORE INSERT ON public.api_keys
        FOR EACH ROW EXECUTE FUNCTION public.refuse_api_key();`);
    try {
      await expect(seedDemo(fixture.db.prisma, fixture.db.pool, { rows: 10 })).rejects.toThrow('simulated outage');
    } finally {
      await fixture.db.pool.query(`
        DROP TRIGGER refuse_api_key ON public.api_keys;
        DROP FUNCTION public.refuse_api_key();`);
    }
    expect(await count('SELECT count(*) AS count FROM public.teams')).toBe(1);

    // Otherwise the demo team would be left with no key, and no later seed would issue one.
    const retried = await seedDemo(fixture.db.prisma, fixture.db.pool, { rows: 10 });
    expect(retried.apiKey).not.toBeNull();
    expect((await findApiKeyBySecret(fixture.db.prisma, retried.apiKey!.secret))?.teamId).toBe(demoTeamId);
  });

  it('creates the demo team and returns its test-mode key once only', async () => {
    const first = await seedDemo(fixture.db.prisma, fixture.db.pool, { rows: 200 });
    expect(first).toEqual({
      teamId: demoTeamId,
      ledgerRows: 200,
      apiKey: {
        id: expect.any(String),
        teamId: demoTeamId,
        livemode: false,
        name: 'demo',
        secret: expect.stringMatching(/^rr_test_[0-9A-Za-z]{32}$/),
      },
    });
    issued = first.apiKey!;
    expect(await fixture.db.prisma.team.findUnique({ where: { id: demoTeamId } })).not.toBeNull();
    expect(await countLedgerRows(fixture.db.pool)).toBe(200);

    const second = await seedDemo(fixture.db.prisma, fixture.db.pool, { rows: 150 });
    expect(second).toEqual({ teamId: demoTeamId, ledgerRows: 150, apiKey: null });
    expect(await countLedgerRows(fixture.db.pool)).toBe(150);
    expect(await count('SELECT count(*) AS count FROM public.teams')).toBe(1);
    expect(await count('SELECT count(*) AS count FROM public.api_keys')).toBe(1);
  });

  it("stores only the sha256 of the key's secret, never the secret itself", async () => {
    const key = await fixture.db.prisma.apiKey.findUniqueOrThrow({ where: { id: issued.id } });
    expect(key.secretHash).toBe(createHash('sha256').update(issued.secret).digest('hex'));

    // Search every row of every table for the secret's random part (the redacted form may show
    // its prefix and last characters, never all of it).
    const randomPart = issued.secret.slice('rr_test_'.length);
    const { rows: tables } = await fixture.db.pool.query<{ name: string }>(
      `SELECT format('%I.%I', table_schema, table_name) AS name FROM information_schema.tables
       WHERE table_schema IN ('public', 'dataset') AND table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const leaks = await count(
        `SELECT count(*) AS count FROM ${table.name} t WHERE strpos(t::text, $1) > 0`,
        [randomPart],
      );
      expect(leaks, table.name).toBe(0);
    }
  });

  it('resolves the issued secret to its team, and unknown or revoked secrets to null', async () => {
    expect(await findApiKeyBySecret(fixture.db.prisma, issued.secret)).toEqual({
      keyId: issued.id,
      teamId: demoTeamId,
      livemode: false,
    });
    const tampered = issued.secret.slice(0, -1) + (issued.secret.endsWith('A') ? 'B' : 'A');
    expect(await findApiKeyBySecret(fixture.db.prisma, tampered)).toBeNull();

    const other = await createApiKey(fixture.db.prisma, { teamId: demoTeamId, livemode: true, name: 'to revoke' });
    expect(await findApiKeyBySecret(fixture.db.prisma, other.secret)).toEqual({
      keyId: other.id,
      teamId: demoTeamId,
      livemode: true,
    });
    expect(await revokeApiKey(fixture.db.prisma, other.id)).toBe(true);
    expect(await findApiKeyBySecret(fixture.db.prisma, other.secret)).toBeNull();
    // Revoking twice reports that nothing changed, and other keys keep working.
    expect(await revokeApiKey(fixture.db.prisma, other.id)).toBe(false);
    expect((await findApiKeyBySecret(fixture.db.prisma, issued.secret))?.keyId).toBe(issued.id);
  });
});
