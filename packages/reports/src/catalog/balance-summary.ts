import { majorUnitsSql } from '../money.ts';
import type { CatalogReport } from '../types.ts';
import { columns, currency, intervalEnd, intervalStart } from './common-parameters.ts';
import { textValue, timestampValue } from './parameter-values.ts';
import { ledgerScope, ledgerScopingFields } from './ledger-filters.ts';

export const balanceSummary: CatalogReport = {
  id: 'balance.summary.1',
  name: 'Balance summary',
  description:
    'Per currency: the balance at interval_start, the net activity of the interval by reporting ' +
    'category, and the balance at interval_end. A balance at an instant is the sum of the net ' +
    'amounts of every transaction created before it, so ending = starting + the activity rows.',
  defaultTimeoutSeconds: 600,
  scopingFields: ledgerScopingFields,
  parameters: [intervalStart, intervalEnd, currency, columns],
  columns: [
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 'b.currency' },
    { name: 'category', kind: 'dimension', type: 'text', description: 'starting_balance, activity or ending_balance.', expression: 'b.category' },
    { name: 'reporting_category', kind: 'dimension', type: 'text', description: 'For activity rows, the reporting category; empty on balance rows.', expression: 'b.reporting_category' },
    { name: 'description', kind: 'dimension', type: 'text', description: 'What the row measures.', expression: 'b.description' },
    { name: 'count', kind: 'measure', type: 'integer', description: 'For activity rows, the number of transactions; empty on balance rows.', expression: 'b.count' },
    { name: 'net_amount', kind: 'measure', type: 'decimal', description: 'Net amount in major units.', expression: majorUnitsSql('b.net', 'b.currency') },
  ],
  source(bind, values, scope) {
    const start = bind(timestampValue(values, 'interval_start').toISOString(), 'timestamptz');
    const end = bind(timestampValue(values, 'interval_end').toISOString(), 'timestamptz');
    const selectedCurrency = textValue(values, 'currency');
    const onlyCurrency = selectedCurrency === undefined ? '' : ` AND bt.currency = ${bind(selectedCurrency, 'text')}`;
    // Balances are sums of in-scope transactions only: a scoped run sees the balance of its scope.
    const inScope = ledgerScope(scope, 'bt').map((condition) => ` AND ${condition}`).join('');
    // `section` orders each currency's rows: starting balance, activity, ending balance.
    const from = `(
  WITH balances AS (
    SELECT bt.currency,
           coalesce(sum(bt.net) FILTER (WHERE bt.created < ${start}), 0) AS starting,
           sum(bt.net) AS ending
    FROM dataset.balance_transactions AS bt
    WHERE bt.created < ${end}${onlyCurrency}${inScope}
    GROUP BY bt.currency
  ),
  activity AS (
    SELECT bt.currency, bt.reporting_category, count(*) AS count, sum(bt.net) AS net
    FROM dataset.balance_transactions AS bt
    WHERE bt.created >= ${start} AND bt.created < ${end}${onlyCurrency}${inScope}
    GROUP BY bt.currency, bt.reporting_category
  )
  SELECT currency, 1 AS section, 'starting_balance' AS category, NULL::text AS reporting_category,
         'Balance at interval_start' AS description, NULL::bigint AS count, starting AS net
  FROM balances
  UNION ALL
  SELECT currency, 2, 'activity', reporting_category, 'Net balance change from activity', count, net
  FROM activity
  UNION ALL
  SELECT currency, 3, 'ending_balance', NULL, 'Balance at interval_end', NULL, ending
  FROM balances
) AS b`;
    return { from, where: [], orderBy: 'b.currency, b.section, b.reporting_category' };
  },
};
