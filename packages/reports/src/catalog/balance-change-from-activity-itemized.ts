import { majorUnitsSql } from '../money.ts';
import { localTimestampSql, utcTimestampSql } from '../sql-time.ts';
import type { CatalogReport } from '../types.ts';
import { columns, currency, intervalEnd, intervalStart, reportingCategory, timezone } from './common-parameters.ts';
import { ledgerFilters, ledgerScopingFields } from './ledger-filters.ts';
import { requiredTextValue } from './parameter-values.ts';

export const balanceChangeFromActivityItemized: CatalogReport = {
  id: 'balance_change_from_activity.itemized.1',
  name: 'Balance change from activity, itemized',
  description:
    'Every balance transaction created in the interval, with gross, fee and net amounts in major units.',
  defaultTimeoutSeconds: 600,
  scopingFields: ledgerScopingFields,
  parameters: [intervalStart, intervalEnd, currency, reportingCategory, timezone, columns],
  columns: [
    { name: 'balance_transaction_id', kind: 'dimension', type: 'text', description: 'Balance transaction id.', expression: 'bt.id' },
    { name: 'created_utc', kind: 'dimension', type: 'timestamp', description: 'When the transaction was created, UTC.', expression: utcTimestampSql('bt.created') },
    { name: 'available_on_utc', kind: 'dimension', type: 'timestamp', description: 'When the funds become available, UTC.', expression: utcTimestampSql('bt.available_on') },
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 'bt.currency' },
    { name: 'gross', kind: 'measure', type: 'decimal', description: 'Gross amount in major units.', expression: majorUnitsSql('bt.amount', 'bt.currency') },
    { name: 'fee', kind: 'measure', type: 'decimal', description: 'Fees in major units.', expression: majorUnitsSql('bt.fee', 'bt.currency') },
    { name: 'net', kind: 'measure', type: 'decimal', description: 'Net amount in major units.', expression: majorUnitsSql('bt.net', 'bt.currency') },
    { name: 'reporting_category', kind: 'dimension', type: 'text', description: 'Accounting category of the transaction.', expression: 'bt.reporting_category' },
    { name: 'customer', kind: 'dimension', type: 'text', description: 'Customer id, when there is one.', expression: 'bt.customer' },
    { name: 'description', kind: 'dimension', type: 'text', description: 'Free-text description.', expression: 'bt.description' },
    // Not in the default file, which predates `timezone`; ask for them through `columns`.
    { name: 'created', kind: 'dimension', type: 'timestamp', description: 'When the transaction was created, in `timezone`.', expression: localTimestampSql('bt.created', 'p.tz'), includedByDefault: false },
    { name: 'available_on', kind: 'dimension', type: 'timestamp', description: 'When the funds become available, in `timezone`.', expression: localTimestampSql('bt.available_on', 'p.tz'), includedByDefault: false },
  ],
  source(bind, values, scope) {
    return {
      from: `dataset.balance_transactions AS bt CROSS JOIN (SELECT ${bind(requiredTextValue(values, 'timezone'), 'text')} AS tz) AS p`,
      where: ledgerFilters(bind, values, 'bt', scope),
      orderBy: 'bt.created, bt.id',
      shardKey: 'bt.created',
    };
  },
};
