import { majorUnitsSql } from '../money.ts';
import { dateSql, localTimestampSql, utcTimestampSql } from '../sql-time.ts';
import type { CatalogReport } from '../types.ts';
import { columns, currency, intervalEnd, intervalStart, timezone } from './common-parameters.ts';
import { ledgerFilters } from './ledger-filters.ts';
import { requiredTextValue } from './parameter-values.ts';

export const payoutsItemized: CatalogReport = {
  id: 'payouts.itemized.1',
  name: 'Payouts, itemized',
  description:
    'Every payout whose balance transaction was created in the interval, with its amount in ' +
    'major units (positive: money sent to the destination), expected arrival, status and destination.',
  defaultTimeoutSeconds: 600,
  scopingFields: ['currency', 'destination'],
  parameters: [intervalStart, intervalEnd, currency, timezone, columns],
  columns: [
    { name: 'payout_id', kind: 'dimension', type: 'text', description: 'Payout id.', expression: 'po.id' },
    { name: 'effective_at_utc', kind: 'dimension', type: 'timestamp', description: 'When the payout left the balance, UTC.', expression: utcTimestampSql('bt.created') },
    { name: 'effective_at', kind: 'dimension', type: 'timestamp', description: 'When the payout left the balance, in `timezone`.', expression: localTimestampSql('bt.created', 'p.tz') },
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 'bt.currency' },
    // The ledger records a payout as a negative amount; the payout itself is the money sent.
    { name: 'amount', kind: 'measure', type: 'decimal', description: 'Amount paid out, in major units.', expression: majorUnitsSql('(-bt.amount)', 'bt.currency') },
    { name: 'payout_expected_arrival_date', kind: 'dimension', type: 'date', description: 'Date the payout is expected to reach its destination.', expression: dateSql("po.arrival_date AT TIME ZONE 'UTC'") },
    { name: 'payout_status', kind: 'dimension', type: 'text', description: 'paid or in_transit.', expression: 'po.status' },
    { name: 'payout_method', kind: 'dimension', type: 'text', description: 'standard or instant.', expression: 'po.method' },
    { name: 'payout_destination_id', kind: 'dimension', type: 'text', description: 'Bank account the payout was sent to.', expression: 'po.destination' },
    { name: 'balance_transaction_id', kind: 'dimension', type: 'text', description: "The payout's balance transaction.", expression: 'bt.id' },
    { name: 'description', kind: 'dimension', type: 'text', description: 'Free-text description.', expression: 'bt.description' },
  ],
  source(bind, values, scope) {
    // LEFT JOIN: the ledger decides what is a payout; a payout row whose details are missing
    // still appears (with empty payout columns) rather than vanishing from the totals.
    const from =
      'dataset.balance_transactions AS bt' +
      ' LEFT JOIN dataset.payouts AS po ON po.balance_transaction_id = bt.id' +
      ` CROSS JOIN (SELECT ${bind(requiredTextValue(values, 'timezone'), 'text')} AS tz) AS p`;
    return {
      from,
      // The ledger's customer is not a payout's; a payout is scoped by currency and destination
      // (a payout without details has no destination, so a destination scope leaves it out).
      where: [
        `bt.type = 'payout'`,
        ...ledgerFilters(bind, values, 'bt', () => []),
        ...scope({ currency: 'bt.currency', destination: 'po.destination' }),
      ],
      orderBy: 'bt.created, bt.id',
      shardKey: 'bt.created',
    };
  },
};
