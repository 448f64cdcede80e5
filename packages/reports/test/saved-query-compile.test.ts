import { describe, expect, it } from 'vitest';
import { InvalidParameter, savedQuerySchema, SavedReportInvalid } from '@reportrun/core';
import { compileSavedQuery, compileSavedReportSql, resolveSavedQuery } from '../src/index.ts';

const values = [`o'brien`, `"; DROP TABLE x; --`, `$1`, `/* c */`, `back\\slash`, `Ünïcødé 🚀`, `%_`];

function query(overrides: Record<string, unknown> = {}) {
  return savedQuerySchema.parse({
    dataset: 'balance_transactions',
    time_range: { from: '2025-03-01T00:00:00-05:00', to: '2025-04-01T00:00:00Z' },
    dimensions: [
      { field: 'created', grain: 'week', time_zone: 'America/New_York' },
      { field: 'description' },
    ],
    measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'amount' }],
    filters: [
      { field: 'description', op: 'in', value: values },
      { field: 'customer', op: 'contains', value: values[0] },
      { field: 'amount', op: 'gte', value: -500 },
      { field: 'available_on', op: 'lt', value: '2025-05-01T00:00:00+02:00' },
    ],
    order_by: [{ field: 'sum_amount', direction: 'desc' }],
    limit: 250,
    ...overrides,
  });
}

describe('the saved-query compiler', () => {
  it('writes no value into the SQL text: every one is a setting read back with current_setting', () => {
    const compiled = compileSavedQuery(resolveSavedQuery(query()), { format: 'csv', escapeFormulas: true });
    for (const value of [...values, 'America/New_York', '250', '-500', '2025-04-01T00:00:00.000Z']) {
      expect(compiled.sql).not.toContain(value);
    }
    const bound = compiled.settings.map((setting) => setting.value);
    expect(bound).toEqual(
      expect.arrayContaining([
        ...values,
        'America/New_York',
        '250',
        '-500',
        '2025-03-01T05:00:00.000Z',
        '2025-04-30T22:00:00.000Z',
      ]),
    );
    expect(compiled.sql).toMatch(/FROM dataset\.balance_transactions AS t/);
    expect(compiled.columns).toEqual(['created_week', 'description', 'count', 'sum_amount']);
    expect(compiled.resultColumns.map((column) => column.kind)).toEqual([
      'dimension',
      'dimension',
      'measure',
      'measure',
    ]);
  });

  it('neutralises text dimensions only when asked (CSV files), never the bucket labels or measures', () => {
    const resolved = resolveSavedQuery(query());
    expect(compileSavedQuery(resolved, { format: 'csv', escapeFormulas: true }).sql).toContain(
      "THEN '''' || t.description",
    );
    expect(compileSavedQuery(resolved, { format: 'csv', escapeFormulas: false }).sql).not.toContain("''''");
  });

  it('a stored definition that no longer fits is SavedReportInvalid, not a parameter error', () => {
    expect(() =>
      compileSavedReportSql(
        'report_x',
        { ...query(), dimensions: [{ field: 'gone' }] },
        { format: 'csv', escapeFormulas: true },
      ),
    ).toThrow(SavedReportInvalid);
    expect(() =>
      compileSavedReportSql('report_x', { not: 'a query' }, { format: 'csv', escapeFormulas: true }),
    ).toThrow(SavedReportInvalid);
    expect(() => resolveSavedQuery(query({ dimensions: [{ field: 'gone' }] }))).toThrow(InvalidParameter);
  });
});
