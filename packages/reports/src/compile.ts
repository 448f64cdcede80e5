import type { DataScope, ResultFormat } from '@reportrun/core';
import { scopeConditions } from './data-scope.ts';
import { neutraliseFormulaSql } from './formula-escape.ts';
import type { CatalogReport, ReportColumn, ReportParameterValues, ScopeRows } from './types.ts';

/**
 * A report compiled to SQL. `COPY (…) TO STDOUT` accepts no bind parameters, so values are
 * bound beforehand with `set_config(name, $n, true)` — still as bind parameters, scoped to the
 * transaction — and the query reads them back with `current_setting(name)::type`. The SQL text
 * thus holds only identifiers and expressions written in the catalog.
 */
export interface CompiledReport {
  sql: string;
  settings: { name: string; value: string }[];
  format: ResultFormat;
  /** The file's columns, in order. */
  columns: string[];
  /** Present when the report can be exported in ranges of its leading ordering key. */
  shard?: ShardQueries;
  /** Present when the report has a currency column and measures: their totals per currency. */
  totals?: TotalsQuery;
}

/**
 * One aggregate over the report's own rows (same conditions, same bound settings, no ORDER BY),
 * run in the export's snapshot after the file is written: rows `currency` and one decimal
 * string per measure, named as the measures are, ordered by currency.
 */
export interface TotalsQuery {
  sql: string;
  measures: string[];
}

/**
 * The queries of a sharded export. `sql` is the report restricted to the key range
 * [`shardFromSetting`, `shardToSetting`), bound like any other setting ('-infinity' and
 * 'infinity' leave a side open); the union of the ranges, in order, is exactly `sql` of the report.
 */
export interface ShardQueries {
  sql: string;
  /** One row: `low` and `high`, the least and greatest key over the report's rows, as epoch seconds. */
  boundsSql: string;
  /** One row: `rows`, the report's row count up to `$1` (it stops counting there). */
  countSql: string;
}

export const shardFromSetting = 'reportrun.shard_from';
export const shardToSetting = 'reportrun.shard_to';

export interface CompileOptions {
  format: ResultFormat;
  /** Neutralise spreadsheet formulas in text cells; CSV only (see `selectExpression`). */
  escapeFormulas: boolean;
  /**
   * The run's data scope, applied inside the SQL on top of the parameters (a parameter can
   * narrow it, never widen it). Absent or null: unscoped.
   */
  dataScope?: DataScope | null;
}

export const settingPrefix = 'reportrun.p';

const defaultOptions: CompileOptions = { format: 'csv', escapeFormulas: true };

export function compileReportSql(
  report: CatalogReport,
  values: ReportParameterValues,
  options: CompileOptions = defaultOptions,
): CompiledReport {
  const settings: CompiledReport['settings'] = [];
  const bind = (value: string, pgType: 'timestamptz' | 'text' | 'jsonb') => {
    const name = `${settingPrefix}${settings.length + 1}`;
    settings.push({ name, value });
    return `current_setting('${name}')::${pgType}`;
  };
  const dataScope = options.dataScope ?? null;
  let scopeApplied = false;
  const scope: ScopeRows = (fieldColumns) => {
    // The report must say where every scoping field it declares lives; a report that forgot one
    // would silently show rows outside a scope on it.
    const given = Object.keys(fieldColumns).sort().join(',');
    if (given !== [...report.scopingFields].sort().join(','))
      throw new Error(`report ${report.id} scopes on ${given}, but declares ${report.scopingFields.join(',')}`);
    scopeApplied = true;
    return dataScope ? scopeConditions(bind, dataScope, fieldColumns) : [];
  };
  const source = report.source(bind, values, scope);
  // A scoped run of a report whose source never asked for its scope conditions would show
  // everything; refuse to compile it instead.
  if (dataScope && !scopeApplied) throw new Error(`report ${report.id} does not apply data scopes`);
  const columns = selectedColumns(report, values);
  const select = columns
    .map((column) => `${selectExpression(column, options)} AS "${column.name}"`)
    .join(',\n  ');
  const whereOf = (conditions: string[]) => (conditions.length > 0 ? `\nWHERE ${conditions.join('\n  AND ')}` : '');
  const where = whereOf(source.where);
  const compiled: CompiledReport = {
    sql: `SELECT\n  ${select}\nFROM ${source.from}${where}\nORDER BY ${source.orderBy}`,
    settings,
    format: options.format,
    columns: columns.map((column) => column.name),
  };
  const measures = columns.filter((column) => column.kind === 'measure' && column.type === 'decimal');
  if (measures.length > 0 && columns.some((column) => column.name === 'currency')) {
    const sums = measures.map((column) => `sum(r."${column.name}"::numeric)::text AS "${column.name}"`).join(', ');
    compiled.totals = {
      sql: `SELECT r."currency"::text AS currency, ${sums}\nFROM (SELECT\n  ${select}\nFROM ${source.from}${where}) AS r\nGROUP BY 1 ORDER BY 1`,
      measures: measures.map((column) => column.name),
    };
  }
  if (source.shardKey) {
    const key = source.shardKey;
    const range = [
      `${key} >= current_setting('${shardFromSetting}')::timestamptz`,
      `${key} < current_setting('${shardToSetting}')::timestamptz`,
    ];
    compiled.shard = {
      sql: `SELECT\n  ${select}\nFROM ${source.from}${whereOf([...source.where, ...range])}\nORDER BY ${source.orderBy}`,
      boundsSql: `SELECT extract(epoch FROM min(${key}))::float8 AS low, extract(epoch FROM max(${key}))::float8 AS high\nFROM ${source.from}${where}`,
      countSql: `SELECT count(*)::int AS rows FROM (SELECT 1 FROM ${source.from}${where} LIMIT $1) AS counted`,
    };
  }
  return compiled;
}

/** The `columns` parameter (already checked against the catalog), or the default columns. */
function selectedColumns(report: CatalogReport, values: ReportParameterValues): ReportColumn[] {
  const requested = values.columns;
  if (!Array.isArray(requested)) return report.columns.filter((column) => column.includedByDefault !== false);
  const byName = new Map(report.columns.map((column) => [column.name, column]));
  return requested.map((name: string) => {
    const column = byName.get(name);
    // validateReportParameters refuses unknown columns; this guards a caller that skipped it.
    if (!column) throw new Error(`report ${report.id} has no column ${name}`);
    return column;
  });
}

function selectExpression(column: ReportColumn, options: CompileOptions): string {
  // Formula neutralisation protects people opening a CSV in a spreadsheet; JSON Lines is read
  // by programs and keeps every value exactly as stored.
  if (column.type === 'text' && options.format === 'csv' && options.escapeFormulas) {
    return neutraliseFormulaSql(column.expression);
  }
  // row_to_json would write numeric as a JSON number, which most parsers turn into a binary
  // float; a decimal string keeps every digit (Stripe's `decimal_string`).
  if (column.type === 'decimal' && options.format === 'json') return `(${column.expression})::text`;
  return column.expression;
}

/** The statement that binds a compiled report's settings for the current transaction. */
export function bindSettingsSql(compiled: CompiledReport): { text: string; values: string[] } | null {
  if (compiled.settings.length === 0) return null;
  const calls = compiled.settings.map((setting, index) => `set_config('${setting.name}', $${index + 1}, true)`);
  return { text: `SELECT ${calls.join(', ')}`, values: compiled.settings.map((setting) => setting.value) };
}
