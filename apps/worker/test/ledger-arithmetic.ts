import type pg from 'pg';

/**
 * The seeded ledger read as raw rows, and the arithmetic the reports are checked against: BigInt
 * sums in minor units, major units by string manipulation, and local calendar days from Intl,
 * so none of it shares code or SQL with the report compiler.
 */

export interface LedgerRow {
  id: string;
  created: Date;
  available_on: Date;
  currency: string;
  amount: bigint;
  fee: bigint;
  net: bigint;
  type: string;
  reporting_category: string;
  customer: string | null;
  description: string | null;
}

export interface PayoutRow {
  id: string;
  balance_transaction_id: string;
  arrival_date: Date;
  status: string;
  method: string;
  destination: string;
}

export async function readLedger(pool: pg.Pool): Promise<LedgerRow[]> {
  const { rows } = await pool.query<Omit<LedgerRow, 'amount' | 'fee' | 'net'> & { amount: string; fee: string; net: string }>(
    `SELECT id, created, available_on, currency, amount::text, fee::text, net::text, type, reporting_category,
            customer, description
       FROM dataset.balance_transactions ORDER BY created, id`,
  );
  return rows.map((row) => ({ ...row, amount: BigInt(row.amount), fee: BigInt(row.fee), net: BigInt(row.net) }));
}

export async function readPayouts(pool: pg.Pool): Promise<Map<string, PayoutRow>> {
  const { rows } = await pool.query<PayoutRow>(
    'SELECT id, balance_transaction_id, arrival_date, status, method, destination FROM dataset.payouts',
  );
  return new Map(rows.map((row) => [row.balance_transaction_id, row]));
}

const zeroDecimal = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

/** Minor units as a decimal string in major units: -5 usd → "-0.05", 1200 jpy → "1200". */
export function major(minor: bigint, currency: string): string {
  if (zeroDecimal.has(currency)) return minor.toString();
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

export {
  localDate,
  localDateTime,
  localMidnight,
  localRfc3339,
  nextDate,
  offsetMinutes,
} from '@reportrun/testing';

export const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);

export function inInterval(row: LedgerRow, start: string, end: string): boolean {
  return row.created.getTime() >= Date.parse(start) && row.created.getTime() < Date.parse(end);
}
