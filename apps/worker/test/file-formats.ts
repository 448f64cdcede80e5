import { expect } from 'vitest';

/**
 * RFC 4180 and JSON Lines, written here for the tests and independent of Postgres' COPY: the
 * files a run produces are compared with these renderings, or read back with these parsers.
 */

export type Cell = string | null;

/** One CSV field: quoted when it holds a separator, quote, CR or LF; NULL is an empty field. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (value === '' || /[",\r\n]/.test(value)) return `"${value.replaceAll('"', '""')}"`;
  return value;
}

/** A CSV file as COPY writes it: a header, then one LF-terminated line per row. */
export function renderCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\n`).join('');
}

/** Reads RFC 4180 (quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') {
        quoted = false;
      } else {
        field += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += char;
    }
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with a line break');
  return rows;
}

export function parseJsonLines(text: string): Record<string, unknown>[] {
  if (text === '') return [];
  expect(text.endsWith('\n'), 'JSON Lines end with a line break').toBe(true);
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** OWASP: a text cell starting with = + - @ tab or CR gets a leading single quote. */
export function neutralised(value: Cell): Cell {
  return value !== null && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export type RunFormat = 'csv' | 'json' | 'zip';

/** A run body's `result_options` for each kind of file a run writes (ZIP holds a CSV). */
export const resultOptionsFor = (format: RunFormat) => (format === 'zip' ? { compress_file: true } : { format });
