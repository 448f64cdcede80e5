import type pg from 'pg';

/**
 * An independent rendering of the itemized ledger report: plain SELECT of the raw columns, with
 * amounts converted and CSV quoted here in TypeScript (RFC 4180), not by the report compiler.
 */
export async function expectedItemizedCsv(
  pool: pg.Pool,
  start: string,
  end: string,
  currency?: string,
): Promise<{ csv: string; rows: number }> {
  const { rows } = await pool.query<{
    id: string; created: Date; available_on: Date; currency: string; amount: string; fee: string; net: string;
    reporting_category: string; customer: string | null; description: string | null;
  }>(
    `SELECT id, created, available_on, currency, amount::text, fee::text, net::text, reporting_category, customer, description
       FROM dataset.balance_transactions
      WHERE created >= $1 AND created < $2 AND ($3::text IS NULL OR currency = $3)
      ORDER BY created, id`,
    [start, end, currency ?? null],
  );
  const header = 'balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,customer,description';
  const lines = rows.map((row) =>
    [
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
    ]
      .map(csvField)
      .join(','),
  );
  return { csv: [header, ...lines].map((line) => `${line}\n`).join(''), rows: rows.length };
}

const utc = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ');

function major(minor: string, currency: string): string {
  if (currency === 'jpy') return minor;
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(3, '0');
  return `${negative ? '-' : ''}${BigInt(digits.slice(0, -2))}.${digits.slice(-2)}`;
}

function csvField(value: string | null): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}
