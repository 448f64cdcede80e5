import type { BindParameter, ReportParameterValues, ScopeRows } from '../types.ts';
import { textValue, timestampValue } from './parameter-values.ts';

/** The ledger's scoping fields: each balance transaction has a currency and maybe a customer. */
export const ledgerScopingFields = ['currency', 'customer'] as const;

/** The run's data-scope conditions over balance transactions aliased `alias`. */
export function ledgerScope(scope: ScopeRows, alias: string): string[] {
  return scope({ currency: `${alias}.currency`, customer: `${alias}.customer` });
}

/**
 * WHERE conditions over balance transactions aliased `alias`: created in [interval_start,
 * interval_end), the currency and reporting category when given, and the run's data scope (on
 * top of the parameters, so a parameter can narrow a scope but never widen it). Values only as
 * binds.
 */
export function ledgerFilters(bind: BindParameter, values: ReportParameterValues, alias: string, scope: ScopeRows): string[] {
  const where = [
    `${alias}.created >= ${bind(timestampValue(values, 'interval_start').toISOString(), 'timestamptz')}`,
    `${alias}.created < ${bind(timestampValue(values, 'interval_end').toISOString(), 'timestamptz')}`,
  ];
  const currency = textValue(values, 'currency');
  if (currency !== undefined) where.push(`${alias}.currency = ${bind(currency, 'text')}`);
  const category = textValue(values, 'reporting_category');
  if (category !== undefined) where.push(`${alias}.reporting_category = ${bind(category, 'text')}`);
  where.push(...ledgerScope(scope, alias));
  return where;
}
