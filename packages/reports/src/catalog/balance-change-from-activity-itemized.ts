import { majorUnitsSql } from '../money.ts';
import type { CatalogReport } from '../types.ts';

const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`;

export const balanceChangeFromActivityItemized: CatalogReport = {
  id: 'balance_change_from_activity.itemized.1',
  name: 'Balance change from activity, itemized',
  description:
    'Every balance transaction created in the interval, with gross, fee and net amounts in major units.',
  defaultTimeoutSeconds: 600,
  parameters: [
    {
      name: 'interval_start',
      type: 'timestamp',
      required: true,
      description: 'Start of the interval (inclusive), RFC 3339.',
    },
    {
      name: 'interval_end',
      type: 'timestamp',
      required: true,
      description: 'End of the interval (exclusive), RFC 3339.',
    },
    {
      name: 'currency',
      type: 'currency',
      required: false,
      description: 'Only transactions in this three-letter ISO currency code.',
    },
  ],
  columns: [
    { name: 'balance_transaction_id', kind: 'dimension', type: 'text', description: 'Balance transaction id.', expression: 'bt.id' },
    { name: 'created_utc', kind: 'dimension', type: 'timestamp', description: 'When the transaction was created, UTC.', expression: utc('bt.created') },
    { name: 'available_on_utc', kind: 'dimension', type: 'timestamp', description: 'When the funds become available, UTC.', expression: utc('bt.available_on') },
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 'bt.currency' },
    { name: 'gross', kind: 'measure', type: 'decimal', description: 'Gross amount in major units.', expression: majorUnitsSql('bt.amount', 'bt.currency') },
    { name: 'fee', kind: 'measure', type: 'decimal', description: 'Fees in major units.', expression: majorUnitsSql('bt.fee', 'bt.currency') },
    { name: 'net', kind: 'measure', type: 'decimal', description: 'Net amount in major units.', expression: majorUnitsSql('bt.net', 'bt.currency') },
    { name: 'reporting_category', kind: 'dimension', type: 'text', description: 'Accounting category of the transaction.', expression: 'bt.reporting_category' },
    { name: 'customer', kind: 'dimension', type: 'text', description: 'Customer id, when there is one.', expression: 'bt.customer' },
    { name: 'description', kind: 'dimension', type: 'text', description: 'Free-text description.', expression: 'bt.description' },
  ],
  source(bind, values) {
    const where = [
      `bt.created >= ${bind((values.interval_start as Date).toISOString(), 'timestamptz')}`,
      `bt.created < ${bind((values.interval_end as Date).toISOString(), 'timestamptz')}`,
    ];
    if (typeof values.currency === 'string') {
      where.push(`bt.currency = ${bind(values.currency, 'text')}`);
    }
    return { from: 'dataset.balance_transactions AS bt', where, orderBy: 'bt.created, bt.id' };
  },
};
