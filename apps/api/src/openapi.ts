import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import {
  createReportRunRequestSchema,
  listReportRunsQuerySchema,
  listReportsQuerySchema,
  openApiRegistry,
  problemSchema,
  reportListSchema,
  reportRunListSchema,
  reportRunSchema,
  reportSchema,
} from '@reportrun/core';
import { z } from 'zod';
import { registerSavedReportPaths } from './routes/saved-reports-openapi.ts';

const problemResponses = Object.fromEntries(
  [
    [400, 'Invalid request'],
    [401, 'Missing or invalid API key'],
    [404, 'Not found'],
    [409, 'Conflict with the current state, or a request with the same Idempotency-Key is in progress'],
    [413, 'Request body too large'],
    [415, 'Unsupported media type'],
    [422, 'The Idempotency-Key was already used for a different request'],
    [429, 'Rate limited; retry after `Retry-After` seconds'],
    [500, 'Internal error'],
    [503, 'Temporarily unavailable'],
  ].map(([status, description]) => [
    status,
    { description: String(description), content: { 'application/problem+json': { schema: problemSchema } } },
  ]),
);

openApiRegistry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });

openApiRegistry.registerPath({
  method: 'post',
  path: '/v2/reporting/report_runs',
  operationId: 'createReportRun',
  summary: 'Create a report run',
  security: [{ apiKey: [] }],
  request: {
    headers: z.object({
      'Idempotency-Key': z.string().min(1).max(255).optional().openapi({
        description:
          'Makes the request safe to retry: the same key and body within 24 hours returns the first response ' +
          '(with `Idempotent-Replayed: true`) and creates nothing; the same key with another body is 422.',
      }),
    }),
    body: { content: { 'application/json': { schema: createReportRunRequestSchema } } },
  },
  responses: { 200: { description: 'The run, queued', content: { 'application/json': { schema: reportRunSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v2/reporting/report_runs/{id}',
  operationId: 'getReportRun',
  summary: 'Retrieve a report run; a succeeded run carries a fresh download URL',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'The run', content: { 'application/json': { schema: reportRunSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'post',
  path: '/v2/reporting/report_runs/{id}/cancel',
  operationId: 'cancelReportRun',
  summary: 'Cancel a running report run; a run that already finished is 409 run_not_cancelable',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'The canceled run', content: { 'application/json': { schema: reportRunSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v2/reporting/report_runs',
  operationId: 'listReportRuns',
  summary: 'List report runs, newest first, in pages that stay stable while new runs arrive',
  security: [{ apiKey: [] }],
  request: { query: listReportRunsQuerySchema },
  responses: { 200: { description: 'A page of runs', content: { 'application/json': { schema: reportRunListSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v2/reporting/reports',
  operationId: 'listReports',
  summary: 'List the report catalog: each report with its parameters and columns',
  security: [{ apiKey: [] }],
  request: { query: listReportsQuerySchema },
  responses: { 200: { description: 'Every report, on one page', content: { 'application/json': { schema: reportListSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/v2/reporting/reports/{id}',
  operationId: 'getReport',
  summary: 'Retrieve a report of the catalog, e.g. balance.summary.1',
  security: [{ apiKey: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: { 200: { description: 'The report', content: { 'application/json': { schema: reportSchema } } }, ...problemResponses },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'Liveness: the process serves HTTP',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
});

openApiRegistry.registerPath({
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI 3.1 document',
  responses: {
    200: {
      description: 'The document',
      content: { 'application/json': { schema: z.object({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }).loose() } },
    },
  },
});

registerSavedReportPaths();

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

/** OpenAPI 3.1, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  cached ??= new OpenApiGeneratorV31(openApiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'ReportRun API', version: '1.0.0' },
  });
  return cached;
}
