import type { CatalogReport } from '../types.ts';
import { activityTotalColumns } from './activity-totals.ts';
import { columns, currency, intervalEnd, intervalStart, reportingCategory } from './common-parameters.ts';
import { ledgerFilters, ledgerScopingFields } from './ledger-filters.ts';

export const balanceChangeFromActivitySummary: CatalogReport = {
  id: 'balance_change_from_activity.summary.1',
  name: 'Balance change from activity, summary',
  description:
    'Balance transactions created in the interval, totalled by reporting category and currency: ' +
    'count, and gross, fee and net amounts in major units.',
  defaultTimeoutSeconds: 600,
  scopingFields: ledgerScopingFields,
  parameters: [intervalStart, intervalEnd, currency, reportingCategory, columns],
  columns: [
    { name: 'reporting_category', kind: 'dimension', type: 'text', description: 'Accounting category of the transactions.', expression: 's.reporting_category' },
    { name: 'currency', kind: 'dimension', type: 'text', description: 'Three-letter ISO currency code, lowercase.', expression: 's.currency' },
    ...activityTotalColumns('s'),
  ],
  source(bind, values, scope) {
    // Sums stay in integer minor units until the outer SELECT converts each total once.
    const from = `(
  SELECT bt.reporting_category, bt.currency, count(*) AS count,
         sum(bt.amount) AS gross, sum(bt.fee) AS fee, sum(bt.net) AS net
  FROM dataset.balance_transactions AS bt
  WHERE ${ledgerFilters(bind, values, 'bt', scope).join(' AND ')}
  GROUP BY bt.reporting_category, bt.currency
) AS s`;
    return { from, where: [], orderBy: 's.reporting_category, s.currency' };
  },
};
