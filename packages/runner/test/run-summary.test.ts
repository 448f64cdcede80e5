import { describe, expect, it } from 'vitest';
import { summarizeResult } from '@reportrun/runner';

describe('a run summary', () => {
  it('says rows and size, and each measure’s total per currency, grouped exactly', () => {
    expect(
      summarizeResult({
        rows: 1204,
        size: 90_112,
        totals: {
          measures: ['gross', 'fee'],
          byCurrency: [
            { currency: 'eur', sums: ['9.10', '-0.30'] },
            { currency: 'usd', sums: ['12345678901234567.05', '-1234.50'] },
          ],
        },
      }),
    ).toBe('1,204 rows, 88 KB; gross: EUR 9.10, USD 12,345,678,901,234,567.05; fee: EUR -0.30, USD -1,234.50');
  });

  it('has rows and size only for a report without totals, and stays short with many currencies', () => {
    expect(summarizeResult({ rows: 1, size: 12 })).toBe('1 row, 12 B');
    expect(summarizeResult({ rows: 0, size: 3 * 1024 * 1024 + 1, totals: { measures: ['net'], byCurrency: [] } })).toBe('0 rows, 3.0 MB');
    const byCurrency = ['aud', 'cad', 'chf', 'eur', 'gbp', 'jpy', 'usd', 'zar'].map((currency) => ({ currency, sums: ['1'] }));
    expect(summarizeResult({ rows: 8, size: 2048, totals: { measures: ['net'], byCurrency } })).toBe(
      '8 rows, 2.0 KB; net: AUD 1, CAD 1, CHF 1, EUR 1, GBP 1, JPY 1 and 2 more currencies',
    );
  });
});
