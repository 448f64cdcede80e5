import type { ResultFormat } from '@reportrun/core';
import type { CompiledReport } from './compile.ts';

/** How each result format is stored: the file's extension and its Content-Type. */
export const resultFileFormats: Record<ResultFormat, { extension: string; mimeType: string }> = {
  csv: { extension: 'csv', mimeType: 'text/csv; charset=utf-8' },
  json: { extension: 'jsonl', mimeType: 'application/x-ndjson; charset=utf-8' },
};

/**
 * The `COPY … TO STDOUT` statement that streams a compiled report in its format.
 *
 * CSV: Postgres writes RFC 4180 itself (quotes fields holding `,`, `"`, CR or LF; doubles `"`).
 * JSON Lines: one `row_to_json` object per line. COPY's text format would escape every
 * backslash in the JSON, so the single column goes out in CSV format with a quote and a
 * delimiter that JSON never contains raw (control characters are `\u00XX`-escaped in JSON
 * strings): nothing is ever quoted or escaped, and each line is the JSON exactly.
 */
export function copyStatementSql(compiled: CompiledReport, options: { sql?: string; header?: boolean } = {}): string {
  // A sharded export copies each range's query (`sql`) and writes the header once, first.
  const sql = options.sql ?? compiled.sql;
  if (compiled.format === 'json') {
    return `COPY (SELECT row_to_json(r) FROM (${sql}) AS r) TO STDOUT WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')`;
  }
  return `COPY (${sql}) TO STDOUT WITH (FORMAT csv${options.header === false ? '' : ', HEADER'})`;
}
