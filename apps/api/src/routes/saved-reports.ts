import type { Request } from 'express';
import {
  apiPaths,
  createSavedReportRequestSchema,
  deletedSavedReportSchema,
  exportSavedReportRequestSchema,
  InvalidParameter,
  listSavedReportsQuerySchema,
  reportExportSchema,
  reportResultSchema,
  ResourceNotFound,
  runSavedReportRequestSchema,
  type DataScope,
  type SavedCatalogReport,
  type SavedQuery,
  savedReportListSchema,
  savedReportSchema,
  updateSavedReportRequestSchema,
  type ExportFormat,
  type ReportExport,
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
import { getTeamMember, MemberNotFound } from '@reportrun/members';
import { renderCsv, resolveSavedCatalogReport, resolveSavedQuery, toResultRows } from '@reportrun/reports';
import { z } from 'zod';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import type { ApiDependencies } from '../dependencies.ts';
import { savedReportProblems, savedReportRunProblems } from './problem-tables.ts';
import { toSavedReportResource } from '../views/saved-report.ts';
import { runSavedReport, type SavedReportResult } from './run-saved-report.ts';

const savedReportId = z.object({
  id: z.string().openapi({ description: 'Saved report id: a UUID (or the `report_…` id of a report saved before UUIDs).' }),
});

/** everruns-style saved reports: CRUD, and a synchronous run and export of the saved query. */
export const createSavedReportRoute = defineRoute({
  method: 'post',
  path: apiPaths.savedReports,
  operationId: 'createSavedReport',
  summary: 'Save a query of dimensions and measures over a dataset',
  idempotent: true,
  body: { schema: createSavedReportRequestSchema },
  response: { status: 201, description: 'The saved report', schema: savedReportSchema },
  problems: savedReportProblems,
  async handler({ body, request, deps }) {
    // Checked against the dataset or the catalog before it is stored: a saved report always runs.
    const report = await createSavedReport(deps.prisma, scopeOf(request), {
      name: body.name,
      definition: definitionOf(body),
    });
    return toSavedReportResource(report);
  },
});

export const listSavedReportsRoute = defineRoute({
  method: 'get',
  path: apiPaths.savedReports,
  operationId: 'listSavedReports',
  summary: 'List saved reports, newest first',
  query: listSavedReportsQuerySchema,
  response: { status: 200, description: 'A page of saved reports', schema: savedReportListSchema },
  problems: savedReportProblems,
  async handler({ query: { limit, starting_after: startingAfter }, request, deps }) {
    const page = await listSavedReports(deps.prisma, scopeOf(request), {
      limit,
      ...(startingAfter !== undefined ? { startingAfter } : {}),
    });
    return { object: 'list' as const, data: page.reports.map(toSavedReportResource), has_more: page.hasMore };
  },
});

export const getSavedReportRoute = defineRoute({
  method: 'get',
  path: apiPaths.savedReport,
  operationId: 'getSavedReport',
  summary: 'Retrieve a saved report',
  params: savedReportId,
  response: { status: 200, description: 'The saved report', schema: savedReportSchema },
  problems: savedReportProblems,
  handler: async ({ params: { id }, request, deps }) =>
    toSavedReportResource(await savedReportOf(deps, request, id)),
});

export const updateSavedReportRoute = defineRoute({
  method: 'patch',
  path: apiPaths.savedReport,
  operationId: 'updateSavedReport',
  summary: 'Rename a saved report or replace its query',
  params: savedReportId,
  body: { schema: updateSavedReportRequestSchema },
  response: { status: 200, description: 'The updated saved report', schema: savedReportSchema },
  problems: savedReportProblems,
  async handler({ params: { id }, body, request, deps }) {
    if (body.name === undefined && body.query === undefined && body.catalog_report === undefined) {
      throw new InvalidParameter('body', 'Send the fields to change: name, and query or catalog_report.');
    }
    const definition = body.query === undefined && body.catalog_report === undefined ? undefined : definitionOf(body);
    const report = await updateSavedReport(deps.prisma, scopeOf(request), id, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(definition !== undefined ? { definition } : {}),
    });
    if (!report) throw new ResourceNotFound('saved_report', id);
    return toSavedReportResource(report);
  },
});

export const deleteSavedReportRoute = defineRoute({
  method: 'delete',
  path: apiPaths.savedReport,
  operationId: 'deleteSavedReport',
  summary: 'Delete a saved report',
  params: savedReportId,
  response: { status: 200, description: 'Deleted', schema: deletedSavedReportSchema },
  problems: savedReportProblems,
  async handler({ params: { id }, request, deps }) {
    if (!(await deleteSavedReport(deps.prisma, scopeOf(request), id)))
      throw new ResourceNotFound('saved_report', id);
    return { id, object: 'saved_report' as const, deleted: true as const };
  },
});

export const runSavedReportRoute = defineRoute({
  method: 'post',
  path: apiPaths.savedReportRun,
  operationId: 'runSavedReport',
  summary: 'Run a saved report and return its rows (synchronous; capped, see result_too_large)',
  params: savedReportId,
  body: { schema: runSavedReportRequestSchema, required: false },
  response: { status: 200, description: 'The result', schema: reportResultSchema },
  problems: savedReportRunProblems,
  async handler({ params: { id }, body, request, deps }) {
    const report = await savedReportOf(deps, request, id);
    const result = await runSavedReport(deps, report, await memberScopeFor(deps, request, body.user_id));
    return {
      as_of: result.asOf.toISOString(),
      columns: result.columns.map(({ name, kind }) => ({ name, kind })),
      rows: toResultRows(result.columns, result.rows),
      freshness_lag_ms: result.freshnessLagMs,
    };
  },
});

export const exportSavedReportRoute = defineRoute({
  method: 'post',
  path: apiPaths.savedReportExport,
  operationId: 'exportSavedReport',
  summary: 'Run a saved report and return it rendered as CSV (RFC 4180) or JSON',
  params: savedReportId,
  body: { schema: exportSavedReportRequestSchema, required: false },
  response: { status: 200, description: 'The exported content', schema: reportExportSchema },
  problems: savedReportRunProblems,
  async handler({ params: { id }, body: { format, user_id: userId }, request, deps }) {
    const report = await savedReportOf(deps, request, id);
    const dataScope = await memberScopeFor(deps, request, userId);
    return renderExport(report, await runSavedReport(deps, report, dataScope), format);
  },
});

export const savedReportRoutes = [
  createSavedReportRoute,
  listSavedReportsRoute,
  getSavedReportRoute,
  updateSavedReportRoute,
  deleteSavedReportRoute,
  runSavedReportRoute,
  exportSavedReportRoute,
];

async function savedReportOf(deps: ApiDependencies, request: Request, id: string): Promise<SavedReport> {
  // Another team's or mode's report is indistinguishable from one that does not exist.
  const report = await findSavedReport(deps.prisma, scopeOf(request), id);
  if (!report) throw new ResourceNotFound('saved_report', id);
  return report;
}

/** The data scope of the member a synchronous run is made for; null when it is made for no one. */
async function memberScopeFor(deps: ApiDependencies, request: Request, userId: string | undefined): Promise<DataScope | null> {
  if (userId === undefined) return null;
  try {
    return (await getTeamMember(deps.prisma, principalOf(request).teamId, userId)).dataScope;
  } catch (error) {
    // The id is a field of this request: a wrong one is the request's fault (400), not a lookup.
    if (error instanceof MemberNotFound) throw new InvalidParameter('user_id', `No member of this team has id '${userId}'.`);
    throw error;
  }
}

/** The definition to store: a checked, normalized query, or a checked catalog report with fixed parameters. */
function definitionOf(body: { query?: SavedQuery | undefined; catalog_report?: SavedCatalogReport | undefined }) {
  if (body.catalog_report !== undefined) return resolveSavedCatalogReport(body.catalog_report);
  return resolveSavedQuery(body.query!).normalized;
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
