import type { BindParameter, ReportParameterValues } from '../types.ts';
import { textValue, timestampValue } from './parameter-values.ts';

/**
 * WHERE conditions over balance transactions aliased `alias`: created in [interval_start,
 * interval_end), and the currency and reporting category when given. Values only as binds.
 */
export function ledgerFilters(bind: BindParameter, values: ReportParameterValues, alias: string): string[] {
  const where = [
    `${alias}.created >= ${bind(timestampValue(values, 'interval_start').toISOString(), 'timestamptz')}`,
    `${alias}.created < ${bind(timestampValue(values, 'interval_end').toISOString(), 'timestamptz')}`,
  ];
  const currency = textValue(values, 'currency');
  if (currency !== undefined) where.push(`${alias}.currency = ${bind(currency, 'text')}`);
  const category = textValue(values, 'reporting_category');
  if (category !== undefined) where.push(`${alias}.reporting_category = ${bind(category, 'text')}`);
  return where;
}
