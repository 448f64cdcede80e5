import {
  createSavedReportRequestSchema,
  deletedSavedReportSchema,
  exportSavedReportRequestSchema,
  listSavedReportsQuerySchema,
  openApiRegistry,
  problemSchema,
  reportExportSchema,
  reportResultSchema,
  savedReportListSchema,
  savedReportSchema,
  updateSavedReportRequestSchema,
} from '@reportrun/core';
import { z } from 'zod';
import { savedReportsPath } from './saved-reports.ts';

const problems = (entries: [number, string][]) =>
  Object.fromEntries(
    entries.map(([status, description]) => [
      status,
      { description, content: { 'application/problem+json': { schema: problemSchema } } },
    ]),
  );

const common: [number, string][] = [
  [400, 'Invalid request; `param` names the offending path, e.g. `query.filters[2].field`'],
  [401, 'Missing or invalid API key'],
  [404, "No such saved report for this key (another team's reports are not found either)"],
  [413, 'Request body too large'],
  [415, 'Unsupported media type'],
  [429, 'Rate limited; retry after `Retry-After` seconds'],
  [500, 'Internal error'],
];
const runProblems: [number, string][] = [
  ...common,
  [409, 'The stored query no longer fits its dataset (`saved_report_invalid`)'],
  [
    422,
    '`result_too_large`: more rows than a synchronous answer carries; `allowed_actions` point to the async run',
  ],
  [504, '`query_timeout`: the query outran the synchronous statement timeout'],
];

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
const id = z.object({ id: z.string().openapi({ description: 'Saved report id, `report_…`.' }) });
const security = [{ apiKey: [] }];

/** The saved-report operations in `/openapi.json`, from the zod schemas that validate them. */
export function registerSavedReportPaths(): void {
  openApiRegistry.registerPath({
    method: 'post',
    path: savedReportsPath,
    operationId: 'createSavedReport',
    summary: 'Save a query of dimensions and measures over a dataset',
    security,
    request: {
      headers: z.object({
        'Idempotency-Key': z.string().min(1).max(255).optional().openapi({
          description:
            'The same key and body within 24 hours returns the first response and saves nothing new.',
        }),
      }),
      body: json(createSavedReportRequestSchema),
    },
    responses: {
      201: { description: 'The saved report', ...json(savedReportSchema) },
      ...problems([
        ...common,
        [409, 'A request with the same Idempotency-Key is in progress'],
        [422, 'The Idempotency-Key was used for a different request'],
      ]),
    },
  });

  openApiRegistry.registerPath({
    method: 'get',
    path: savedReportsPath,
    operationId: 'listSavedReports',
    summary: 'List saved reports, newest first',
    security,
    request: { query: listSavedReportsQuerySchema },
    responses: {
      200: { description: 'A page of saved reports', ...json(savedReportListSchema) },
      ...problems(common),
    },
  });

  openApiRegistry.registerPath({
    method: 'get',
    path: `${savedReportsPath}/{id}`,
    operationId: 'getSavedReport',
    summary: 'Retrieve a saved report',
    security,
    request: { params: id },
    responses: { 200: { description: 'The saved report', ...json(savedReportSchema) }, ...problems(common) },
  });

  openApiRegistry.registerPath({
    method: 'patch',
    path: `${savedReportsPath}/{id}`,
    operationId: 'updateSavedReport',
    summary: 'Rename a saved report or replace its query',
    security,
    request: { params: id, body: json(updateSavedReportRequestSchema) },
    responses: {
      200: { description: 'The updated saved report', ...json(savedReportSchema) },
      ...problems(common),
    },
  });

  openApiRegistry.registerPath({
    method: 'delete',
    path: `${savedReportsPath}/{id}`,
    operationId: 'deleteSavedReport',
    summary: 'Delete a saved report',
    security,
    request: { params: id },
    responses: { 200: { description: 'Deleted', ...json(deletedSavedReportSchema) }, ...problems(common) },
  });

  openApiRegistry.registerPath({
    method: 'post',
    path: `${savedReportsPath}/{id}/run`,
    operationId: 'runSavedReport',
    summary: 'Run a saved report and return its rows (synchronous; capped, see result_too_large)',
    security,
    request: { params: id },
    responses: { 200: { description: 'The result', ...json(reportResultSchema) }, ...problems(runProblems) },
  });

  openApiRegistry.registerPath({
    method: 'post',
    path: `${savedReportsPath}/{id}/export`,
    operationId: 'exportSavedReport',
    summary: 'Run a saved report and return it rendered as CSV (RFC 4180) or JSON',
    security,
    request: { params: id, body: { required: false, ...json(exportSavedReportRequestSchema) } },
    responses: {
      200: { description: 'The exported content', ...json(reportExportSchema) },
      ...problems(runProblems),
    },
  });
}
