import { Router } from 'express';
import { listReportsQuerySchema, ResourceNotFound, type ReportList } from '@reportrun/core';
import { findCatalogReport, listCatalogReports } from '@reportrun/reports';
import { principalOf } from '../http/auth.ts';
import { parseQuery } from '../http/validate.ts';
import { toReportResource } from '../views/report.ts';

/**
 * The report catalog: what each report returns and which parameters it takes. The catalog
 * lives in code and is the same for every team; `livemode` mirrors the key that asks.
 */
export function reportsRouter(): Router {
  const router = Router();

  router.get('/v2/reporting/reports', (request, response) => {
    const principal = principalOf(request);
    parseQuery(request, listReportsQuerySchema);
    // The whole catalog fits on one page, so there is never a next or previous one.
    const list: ReportList = {
      object: 'list',
      data: listCatalogReports().map((report) => toReportResource(report, principal.livemode)),
      next_page_url: null,
      previous_page_url: null,
    };
    response.json(list);
  });

  router.get('/v2/reporting/reports/:id', (request, response) => {
    const principal = principalOf(request);
    const report = findCatalogReport(request.params.id);
    if (!report) throw new ResourceNotFound('report', request.params.id);
    response.json(toReportResource(report, principal.livemode));
  });

  return router;
}
