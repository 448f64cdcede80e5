import { neutraliseFormula } from './formula-guard.ts';
import type { ResultColumn } from './resolve-query.ts';

/** A row as Postgres returned it: each value in its text form, or null. */
export type RawRow = readonly (string | null)[];
export type ResultCell = string | number | null;
export type ResultRow = Record<string, ResultCell>;

/**
 * Rows keyed by column name, numbers for number columns. Integer measures convert exactly up to
 * 2^53 − 1 minor units (about 90 trillion dollars), far beyond any one ledger's sums.
 */
export function toResultRows(columns: readonly ResultColumn[], raw: readonly RawRow[]): ResultRow[] {
  return raw.map((cells) => {
    const row: ResultRow = {};
    columns.forEach((column, index) => {
      const cell = cells[index] ?? null;
      row[column.name] = cell === null ? null : column.cell === 'number' ? Number(cell) : cell;
    });
    return row;
  });
}

/**
 * RFC 4180 CSV (CRLF line ends, a header line, fields quoted when they hold a comma, quote or
 * line break). Written from Postgres' text of each value, so numbers read exactly as in the
 * async export's `COPY` output; NULL is an empty field and an empty string a quoted `""`, as
 * `COPY` writes them. Text cells are neutralised against formula injection.
 */
export function renderCsv(columns: readonly ResultColumn[], raw: readonly RawRow[]): string {
  const lines = [columns.map((column) => csvField(column.name)).join(',')];
  for (const cells of raw) {
    lines.push(
      columns
        .map((column, index) => {
          const cell = cells[index] ?? null;
          if (cell === null) return '';
          return csvField(column.cell === 'text' ? neutraliseFormula(cell) : cell);
        })
        .join(','),
    );
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

function csvField(value: string): string {
  return value === '' || /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}
