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

export const sum = (values: readonly bigint[]) => values.reduce((total, value) => total + value, 0n);

export function inInterval(row: LedgerRow, start: string, end: string): boolean {
  return row.created.getTime() >= Date.parse(start) && row.created.getTime() < Date.parse(end);
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClock(instant: Date, zone: string): WallClock {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit',
    });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour), minute: Number(parts.minute), second: Number(parts.second),
  };
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Local wall-clock time minus UTC, in minutes, at that instant. */
export function offsetMinutes(instant: Date, zone: string): number {
  const clock = wallClock(instant, zone);
  const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** `YYYY-MM-DD` of the instant in the zone. */
export function localDate(instant: Date, zone: string): string {
  const clock = wallClock(instant, zone);
  return `${clock.year}-${pad(clock.month)}-${pad(clock.day)}`;
}

/** `YYYY-MM-DD HH:MM:SS` wall-clock time in the zone. */
export function localDateTime(instant: Date, zone: string): string {
  const clock = wallClock(instant, zone);
  return `${localDate(instant, zone)} ${pad(clock.hour)}:${pad(clock.minute)}:${pad(clock.second)}`;
}

/** RFC 3339 with the zone's offset at that instant, e.g. 2025-03-09T00:00:00-05:00. */
export function localRfc3339(instant: Date, zone: string): string {
  const offset = offsetMinutes(instant, zone);
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  return `${localDateTime(instant, zone).replace(' ', 'T')}${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`;
}

/** The instant local midnight starts the calendar date `date` in the zone. */
export function localMidnight(date: string, zone: string): Date {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(year, month - 1, day);
  // Two passes: the offset at the first estimate can differ from the one at midnight itself.
  const first = guess - offsetMinutes(new Date(guess), zone) * 60_000;
  return new Date(guess - offsetMinutes(new Date(first), zone) * 60_000);
}

export function nextDate(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day + 1)).toISOString().slice(0, 10);
}
