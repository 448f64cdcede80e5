import type { CatalogReport, ReportParameterValues } from './types.ts';

/**
 * A report compiled to SQL. `COPY (…) TO STDOUT` accepts no bind parameters, so values are
 * bound beforehand with `set_config(name, $n, true)` — still as bind parameters, scoped to the
 * transaction — and the query reads them back with `current_setting(name)::type`. The SQL text
 * thus holds only identifiers and expressions written in the catalog.
 */
export interface CompiledReport {
  sql: string;
  settings: { name: string; value: string }[];
}

export const settingPrefix = 'reportrun.p';

export function compileReportSql(report: CatalogReport, values: ReportParameterValues): CompiledReport {
  const settings: CompiledReport['settings'] = [];
  const bind = (value: string, pgType: 'timestamptz' | 'text') => {
    const name = `${settingPrefix}${settings.length + 1}`;
    settings.push({ name, value });
    return `current_setting('${name}')::${pgType}`;
  };
  const source = report.source(bind, values);
  const select = report.columns.map((column) => `${column.expression} AS "${column.name}"`).join(',\n  ');
  const where = source.where.length > 0 ? `\nWHERE ${source.where.join('\n  AND ')}` : '';
  return {
    sql: `SELECT\n  ${select}\nFROM ${source.from}${where}\nORDER BY ${source.orderBy}`,
    settings,
  };
}

/** The statement that binds a compiled report's settings for the current transaction. */
export function bindSettingsSql(compiled: CompiledReport): { text: string; values: string[] } | null {
  if (compiled.settings.length === 0) return null;
  const calls = compiled.settings.map((setting, index) => `set_config('${setting.name}', $${index + 1}, true)`);
  return { text: `SELECT ${calls.join(', ')}`, values: compiled.settings.map((setting) => setting.value) };
}
