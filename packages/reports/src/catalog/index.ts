import { ResourceNotFound } from '@reportrun/core';
import type { CatalogReport } from '../types.ts';
import { balanceChangeFromActivityItemized } from './balance-change-from-activity-itemized.ts';

const reports: readonly CatalogReport[] = [balanceChangeFromActivityItemized];
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
