import type pg from 'pg';

const header = [
  'balance_transaction_id', 'created_utc', 'available_on_utc', 'currency', 'gross', 'fee', 'net',
  'reporting_category', 'customer', 'description',
] as const;

type Cell = string | null;

/** A data scope over the ledger, applied here with plain SQL (`= ANY`), not by the compiler. */
export interface LedgerScope {
  currency?: string[];
  customer?: string[];
}

/**
 * An independent rendering of the itemized ledger report's rows: plain SELECT of the raw
 * columns, with amounts converted here in TypeScript, not by the report compiler.
 */
export async function expectedItemizedRows(
  pool: pg.Pool,
  start: string,
  end: string,
  currency?: string,
  scope: LedgerScope = {},
): Promise<{ header: readonly string[]; rows: Cell[][] }> {
  const { rows } = await pool.query<{
    id: string; created: Date; available_on: Date; currency: string; amount: string; fee: string; net: string;
    reporting_category: string; customer: string | null; description: string | null;
  }>(
    `SELECT id, created, available_on, currency, amount::text, fee::text, net::text, reporting_category, customer, description
       FROM dataset.balance_transactions
      WHERE created >= $1 AND created < $2 AND ($3::text IS NULL OR currency = $3)
        AND ($4::text[] IS NULL OR currency = ANY($4)) AND ($5::text[] IS NULL OR customer = ANY($5))
      ORDER BY created, id`,
    [start, end, currency ?? null, scope.currency ?? null, scope.customer ?? null],
  );
  return {
    header,
    rows: rows.map((row) => [
      row.id,
      utc(row.created),
      utc(row.available_on),
      row.currency,
      major(row.amount, row.currency),
      major(row.fee, row.currency),
      major(row.net, row.currency),
      row.reporting_category,
      row.customer,
      row.description,
    ]),
  };
}

/**
 * The itemized report as CSV: the rows above, text cells neutralised against spreadsheet
 * formulas (OWASP: a leading `'` before = + - @ tab CR; amounts and times are not text cells)
 * unless `escapeFormulas` is false, and quoted per RFC 4180.
 */
export async function expectedItemizedCsv(
  pool: pg.Pool,
  start: string,
  end: string,
  currency?: string,
  { escapeFormulas = true, scope = {} }: { escapeFormulas?: boolean; scope?: LedgerScope } = {},
): Promise<{ csv: string; rows: number }> {
  const expected = await expectedItemizedRows(pool, start, end, currency, scope);
  const textColumns = new Set(['balance_transaction_id', 'currency', 'reporting_category', 'customer', 'description']);
  const lines = expected.rows.map((row) =>
    row
      .map((cell, index) => (escapeFormulas && textColumns.has(expected.header[index]!) ? neutralised(cell) : cell))
      .map(csvField)
      .join(','),
  );
  return { csv: [expected.header.join(','), ...lines].map((line) => `${line}\n`).join(''), rows: lines.length };
}

const utc = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

function major(minor: string, currency: string): string {
  if (currency === 'jpy') return minor;
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(3, '0');
  return `${negative ? '-' : ''}${BigInt(digits.slice(0, -2))}.${digits.slice(-2)}`;
}

function neutralised(value: Cell): Cell {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

function csvField(value: Cell): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}
