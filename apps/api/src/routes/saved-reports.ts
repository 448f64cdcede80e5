import { Router, type Request } from 'express';
import {
  createSavedReportRequestSchema,
  exportSavedReportRequestSchema,
  InvalidParameter,
  listSavedReportsQuerySchema,
  ResourceNotFound,
  updateSavedReportRequestSchema,
  type DeletedSavedReport,
  type ExportFormat,
  type ReportExport,
  type ReportResult,
  type SavedReportList,
} from '@reportrun/core';
import {
  createSavedReport,
  deleteSavedReport,
  findSavedReport,
  listSavedReports,
  updateSavedReport,
  type SavedReport,
  type SavedReportScope,
} from '@reportrun/db';
import { renderCsv, resolveSavedQuery, toResultRows } from '@reportrun/reports';
import { principalOf } from '../http/auth.ts';
import { honorIdempotencyKey, sendIdempotentResponse } from '../http/idempotency.ts';
import { parseJsonBody, parseQuery } from '../http/validate.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { toSavedReportResource } from '../views/saved-report.ts';
import { runSavedReport, type SavedReportResult } from './run-saved-report.ts';

export const savedReportsPath = '/v1/reports/saved';

/** everruns-style saved reports: CRUD, and a synchronous run and export of the saved query. */
export function savedReportsRouter(deps: ApiDependencies): Router {
  const router = Router();

  router.post(savedReportsPath, honorIdempotencyKey(deps), async (request, response) => {
    const body = parseJsonBody(request, createSavedReportRequestSchema);
    // Checked against the dataset before it is stored: a saved query always compiles.
    const query = resolveSavedQuery(body.query);
    const report = await createSavedReport(deps.prisma, scopeOf(request), {
      name: body.name,
      definition: query.normalized,
    });
    await sendIdempotentResponse(response, 201, toSavedReportResource(report));
  });

  router.get(savedReportsPath, async (request, response) => {
    const { limit, starting_after: startingAfter } = parseQuery(request, listSavedReportsQuerySchema);
    const page = await listSavedReports(deps.prisma, scopeOf(request), {
      limit,
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    const body: SavedReportList = {
      object: 'list',
      data: page.reports.map(toSavedReportResource),
      has_more: page.hasMore,
    };
    response.json(body);
  });

  router.get(`${savedReportsPath}/:id`, async (request, response) => {
    response.json(toSavedReportResource(await savedReportOf(request)));
  });

  router.patch(`${savedReportsPath}/:id`, async (request, response) => {
    const body = parseJsonBody(request, updateSavedReportRequestSchema);
    if (body.name === undefined && body.query === undefined) {
      throw new InvalidParameter('body', 'Send the fields to change: name, query or both.');
    }
    const definition = body.query === undefined ? undefined : resolveSavedQuery(body.query).normalized;
    const report = await updateSavedReport(deps.prisma, scopeOf(request), request.params.id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(definition !== undefined ? { definition } : {}),
    });
    if (!report) throw new ResourceNotFound('saved_report', request.params.id);
    response.json(toSavedReportResource(report));
  });

  router.delete(`${savedReportsPath}/:id`, async (request, response) => {
    const id = request.params.id;
    if (!(await deleteSavedReport(deps.prisma, scopeOf(request), id)))
      throw new ResourceNotFound('saved_report', id);
    const body: DeletedSavedReport = { id, object: 'saved_report', deleted: true };
    response.json(body);
  });

  router.post(`${savedReportsPath}/:id/run`, async (request, response) => {
    const result = await runSavedReport(deps, await savedReportOf(request));
    const body: ReportResult = {
      as_of: result.asOf.toISOString(),
      columns: result.columns.map(({ name, kind }) => ({ name, kind })),
      rows: toResultRows(result.columns, result.rows),
      freshness_lag_ms: result.freshnessLagMs,
    };
    response.json(body);
  });

  router.post(`${savedReportsPath}/:id/export`, async (request, response) => {
    const { format } = parseJsonBody(request, exportSavedReportRequestSchema);
    const report = await savedReportOf(request);
    const result = await runSavedReport(deps, report);
    response.json(renderExport(report, result, format));
  });

  async function savedReportOf(request: Request<{ id: string }>): Promise<SavedReport> {
    const id = request.params.id;
    // Another team's or mode's report is indistinguishable from one that does not exist.
    const report = await findSavedReport(deps.prisma, scopeOf(request), id);
    if (!report) throw new ResourceNotFound('saved_report', id);
    return report;
  }

  return router;
}

function scopeOf(request: Request): SavedReportScope {
  const { teamId, livemode } = principalOf(request);
  return { teamId, livemode };
}

const exportMediaType: Record<ExportFormat, string> = { csv: 'text/csv', json: 'application/json' };

/** CSV for spreadsheets (RFC 4180, formula cells neutralised); JSON with the run's row objects. */
function renderExport(report: SavedReport, result: SavedReportResult, format: ExportFormat): ReportExport {
  return {
    as_of: result.asOf.toISOString(),
    content:
      format === 'csv'
        ? renderCsv(result.columns, result.rows)
        : JSON.stringify(toResultRows(result.columns, result.rows)),
    content_type: exportMediaType[format],
    filename: `${filenameStem(report)}.${format}`,
    format,
    freshness_lag_ms: result.freshnessLagMs,
  };
}

/** The report's name as a safe file name (ASCII letters, digits, dashes), or its id. */
function filenameStem(report: SavedReport): string {
  const stem = report.name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 80)
    .replace(/-+$/, '');
  return stem || report.id;
}
