import {
  apiPaths,
  listReportsQuerySchema,
  ReportNotFound,
  reportListSchema,
  reportSchema,
} from '@reportrun/core';
import { findCatalogReport, listCatalogReports } from '@reportrun/reports';
import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { toReportResource } from '../views/report.ts';
import { reportingProblems } from './problem-tables.ts';

/**
 * The report catalog: what each report returns and which parameters it takes. The catalog
 * lives in code and is the same for every team; `livemode` mirrors the key that asks.
 */
export const listReportsRoute = defineRoute({
  method: 'get',
  path: apiPaths.reports,
  operationId: 'listReports',
  summary: 'List the report catalog: each report with its parameters and columns',
  query: listReportsQuerySchema,
  response: { status: 200, description: 'Every report, on one page', schema: reportListSchema },
  problems: reportingProblems,
  handler: ({ request }) => {
    const { livemode } = principalOf(request);
    // The whole catalog fits on one page, so there is never a next or previous one.
    return {
      object: 'list' as const,
      data: listCatalogReports().map((report) => toReportResource(report, livemode)),
      next_page_url: null,
      previous_page_url: null,
    };
  },
});

export const getReportRoute = defineRoute({
  method: 'get',
  path: apiPaths.report,
  operationId: 'getReport',
  summary: 'Retrieve a report of the catalog, e.g. balance.summary.1',
  params: z.object({ id: z.string() }),
  response: { status: 200, description: 'The report', schema: reportSchema },
  problems: reportingProblems,
  handler: ({ params: { id }, request }) => {
    const report = findCatalogReport(id);
    if (!report) throw new ReportNotFound(id, 'catalog', 'resource');
    return toReportResource(report, principalOf(request).livemode);
  },
});

export const reportRoutes = [listReportsRoute, getReportRoute];
