import { describe, expect, it } from 'vitest';
import {
  compileReportSql,
  copyStatementSql,
  getCatalogReport,
  listCatalogReports,
  validateReportParameters,
} from '@reportrun/reports';

const parametersFor = (reportId: string): Record<string, unknown> => {
  const declared = new Set(getCatalogReport(reportId).parameters.map((parameter) => parameter.name));
  const all: Record<string, unknown> = {
    interval_start: '2025-03-01T00:00:00+01:00',
    interval_end: '2025-04-01T00:00:00+02:00',
    currency: 'gbp',
    reporting_category: 'adjustment',
    timezone: 'Pacific/Chatham',
  };
  return Object.fromEntries(Object.entries(all).filter(([name]) => declared.has(name)));
};

describe('compileReportSql', () => {
  it.each(listCatalogReports().map((report) => report.id))(
    '%s: every value travels as a bind parameter, none is written into the SQL',
    (reportId) => {
      const report = getCatalogReport(reportId);
      const { values } = validateReportParameters(report, parametersFor(reportId));
      const compiled = compileReportSql(report, values);
      const bound = compiled.settings.map((setting) => setting.value);
      for (const value of Object.values(values)) {
        const text = value instanceof Date ? value.toISOString() : String(value);
        expect(bound, `${text} is bound`).toContain(text);
        expect(compiled.sql, `${text} is not in the SQL`).not.toContain(text);
      }
      // The SQL reads each bound value back by its setting name, and names nothing else.
      for (const setting of compiled.settings) expect(compiled.sql).toContain(`current_setting('${setting.name}')`);
    },
  );

  it('selects the default columns, or exactly the requested ones in their order', () => {
    const report = getCatalogReport('balance_change_from_activity.itemized.1');
    const defaults = compileReportSql(report, validateReportParameters(report, parametersFor(report.id)).values);
    expect(defaults.columns).toEqual([
      'balance_transaction_id', 'created_utc', 'available_on_utc', 'currency', 'gross', 'fee', 'net',
      'reporting_category', 'customer', 'description',
    ]);
    const chosen = compileReportSql(
      report,
      validateReportParameters(report, { ...parametersFor(report.id), columns: ['created', 'net', 'currency'] }).values,
    );
    expect(chosen.columns).toEqual(['created', 'net', 'currency']);
    const aliases = [...chosen.sql.matchAll(/ AS "(\w+)"/g)].map((match) => match[1]);
    expect(aliases).toEqual(['created', 'net', 'currency']);
  });

  it('neutralises formulas only in text columns of CSV files, and only when asked', () => {
    const report = getCatalogReport('balance_change_from_activity.summary.1');
    const { values } = validateReportParameters(report, parametersFor(report.id));
    const guarded = (sql: string) => (sql.match(/THEN '''' \|\|/g) ?? []).length;
    // Two text columns (reporting_category, currency); the four measures are never touched.
    expect(guarded(compileReportSql(report, values, { format: 'csv', escapeFormulas: true }).sql)).toBe(2);
    expect(guarded(compileReportSql(report, values, { format: 'csv', escapeFormulas: false }).sql)).toBe(0);
    expect(guarded(compileReportSql(report, values, { format: 'json', escapeFormulas: true }).sql)).toBe(0);
  });

  it('writes CSV with a header, and JSON Lines through row_to_json with nothing quoted', () => {
    const report = getCatalogReport('balance.summary.1');
    const { values } = validateReportParameters(report, parametersFor(report.id));
    const csv = compileReportSql(report, values, { format: 'csv', escapeFormulas: true });
    const json = compileReportSql(report, values, { format: 'json', escapeFormulas: true });
    expect(copyStatementSql(csv)).toBe(`COPY (${csv.sql}) TO STDOUT WITH (FORMAT csv, HEADER)`);
    expect(copyStatementSql(json)).toMatch(/^COPY \(SELECT row_to_json\(r\) FROM \(/);
    expect(copyStatementSql(json)).toContain("QUOTE e'\\x01', DELIMITER e'\\x02'");
    // Decimal amounts become strings in JSON, so no digit is lost to a binary float.
    expect(json.sql).toMatch(/\)::text AS "net_amount"/);
    expect(csv.sql).not.toMatch(/::text AS "net_amount"/);
  });
});
