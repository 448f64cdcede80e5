/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP "CSV Injection"): `=`,
 * `+`, `-`, `@`, tab and carriage return. Opening a CSV that carries customer-controlled text
 * must not run `=HYPERLINK(…)` or worse.
 */
export const formulaTriggerCharacters = ['=', '+', '-', '@', '\t', '\r'] as const;

const triggersSql = `'=', '+', '-', '@', E'\\t', E'\\r'`;

/**
 * SQL that neutralises a text expression as OWASP advises: a cell starting with a formula
 * trigger gets a leading single quote, which spreadsheets show as text and do not evaluate.
 * Only for text columns: a negative amount starts with `-` and must stay a number.
 */
export function neutraliseFormulaSql(expression: string): string {
  return `CASE WHEN left(${expression}, 1) IN (${triggersSql}) THEN '''' || ${expression} ELSE ${expression} END`;
}
