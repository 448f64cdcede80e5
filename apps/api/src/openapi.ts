import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import {
  createReportRunRequestSchema,
  openApiRegistry,
  problemSchema,
  reportRunSchema,
} from '@reportrun/core';
import { z } from 'zod';

const problemResponses = Object.fromEntries(
  [
    [400, 'Invalid request'],
    [401, 'Missing or invalid API key'],
    [404, 'Not found'],
    [415, 'Unsupported media type'],
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
  request: { body: { content: { 'application/json': { schema: createReportRunRequestSchema } } } },
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

let cached: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

/** OpenAPI 3.1, generated from the same zod schemas that validate requests. */
export function openApiDocument() {
  cached ??= new OpenApiGeneratorV31(openApiRegistry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'ReportRun API', version: '1.0.0' },
  });
  return cached;
}
