import { apiPaths } from '@reportrun/core';
import { z } from 'zod';
import { defineRoute, type Route } from '../http/route.ts';
import { openApiDocumentFor } from '../openapi.ts';
import { airplaneRoutes } from './airplane.ts';
import { reportRunEventsRoute } from './report-run-events.ts';
import { reportRunRoutes } from './report-runs.ts';
import { reportRoutes } from './reports.ts';
import { savedReportRoutes } from './saved-reports.ts';
import { stripeV1Routes } from './stripe-v1.ts';
import { memberRoutes } from './members.ts';
import { scheduleRoutes } from './schedules.ts';

const healthRoute = defineRoute({
  method: 'get',
  path: apiPaths.health,
  operationId: 'getHealth',
  summary: 'Liveness: the process serves HTTP',
  public: true,
  response: { status: 200, description: 'Alive', schema: z.object({ status: z.literal('ok') }) },
  handler: () => ({ status: 'ok' as const }),
});

const openApiRoute = defineRoute({
  method: 'get',
  path: apiPaths.openApi,
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI 3.1 document',
  public: true,
  response: {
    status: 200,
    description: 'The document',
    schema: z.object({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) }).loose(),
  },
  handler: () => {
    const document = openApiDocument();
    return { ...document, paths: document.paths ?? {} };
  },
});

/** Every route the API serves; the router and `/openapi.json` are both built from this list. */
export const apiRoutes: readonly Route[] = [
  healthRoute,
  openApiRoute,
  ...reportRunRoutes,
  reportRunEventsRoute,
  ...reportRoutes,
  ...savedReportRoutes,
  ...stripeV1Routes,
  ...airplaneRoutes,
  ...memberRoutes,
  ...scheduleRoutes,
];

/** The API's OpenAPI 3.1 document. */
export function openApiDocument() {
  return openApiDocumentFor(apiRoutes);
}
