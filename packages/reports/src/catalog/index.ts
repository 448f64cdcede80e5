import { ResourceNotFound } from '@reportrun/core';
import type { CatalogReport } from '../types.ts';
import { activityDaily } from './activity-daily.ts';
import { balanceChangeFromActivityItemized } from './balance-change-from-activity-itemized.ts';
import { balanceChangeFromActivitySummary } from './balance-change-from-activity-summary.ts';
import { balanceSummary } from './balance-summary.ts';
import { payoutsItemized } from './payouts-itemized.ts';

const reports: readonly CatalogReport[] = [
  activityDaily,
  balanceSummary,
  balanceChangeFromActivityItemized,
  balanceChangeFromActivitySummary,
  payoutsItemized,
];
const byId = new Map(reports.map((report) => [report.id, report]));

export function listCatalogReports(): readonly CatalogReport[] {
  return reports;
}

export function findCatalogReport(id: string): CatalogReport | undefined {
  return byId.get(id);
}

export function getCatalogReport(id: string): CatalogReport {
  const report = byId.get(id);
  if (!report) throw new ResourceNotFound('report', id);
  return report;
}
