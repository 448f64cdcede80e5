import { majorUnitsSql } from '../money.ts';
import type { ReportColumn } from '../types.ts';

/**
 * The measures of a report that totals ledger activity: a count and gross, fee and net sums.
 * The subquery aliased `alias` keeps the sums in integer minor units (count, gross, fee, net,
 * currency); each total is converted to major units once, here.
 */
export function activityTotalColumns(alias: string): ReportColumn[] {
  const major = (column: string) => majorUnitsSql(`${alias}.${column}`, `${alias}.currency`);
  return [
    { name: 'count', kind: 'measure', type: 'integer', description: 'Number of transactions.', expression: `${alias}.count` },
    { name: 'gross', kind: 'measure', type: 'decimal', description: 'Total gross amount in major units.', expression: major('gross') },
    { name: 'fee', kind: 'measure', type: 'decimal', description: 'Total fees in major units.', expression: major('fee') },
    { name: 'net', kind: 'measure', type: 'decimal', description: 'Total net amount in major units.', expression: major('net') },
  ];
}
