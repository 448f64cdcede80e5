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
import { apiKeyRoutes } from './api-keys.ts';
import { webhookRoutes } from './webhooks.ts';

const aliveSchema = z.object({ status: z.literal('ok') });
import { scheduleRoutes } from './schedules.ts';

const healthRoute = defineRoute({
  method: 'get',
  path: apiPaths.health,
  operationId: 'getHealth',
  summary: 'Liveness: the process serves HTTP (the same as /livez, kept for existing monitors)',
  public: true,
  response: { status: 200, description: 'Alive', schema: aliveSchema },
  handler: () => ({ status: 'ok' as const }),
});

const livenessRoute = defineRoute({
  method: 'get',
  path: apiPaths.live,
  operationId: 'getLiveness',
  summary: 'Liveness: the process serves HTTP; it checks no dependency, so an outage never restarts it',
  public: true,
  response: { status: 200, description: 'Alive', schema: aliveSchema },
  handler: () => ({ status: 'ok' as const }),
});

const readinessRoute = defineRoute({
  method: 'get',
  path: apiPaths.ready,
  operationId: 'getReadiness',
  summary: 'Readiness: Postgres, Redis and storage answer, and the process is not draining',
  public: true,
  response: {
    status: 200,
    description: 'Ready to serve; each dependency checked is "ok"',
    schema: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.string()) }),
  },
  problems: [[503, 'Not ready: a dependency is unreachable (`down` names it) or the process is draining']],
  handler: async ({ deps }) => ({
    status: 'ready' as const,
    checks: (await deps.readiness.assertReady()).checks,
  }),
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
  livenessRoute,
  readinessRoute,
  openApiRoute,
  ...reportRunRoutes,
  reportRunEventsRoute,
  ...reportRoutes,
  ...savedReportRoutes,
  ...stripeV1Routes,
  ...airplaneRoutes,
  ...memberRoutes,
  ...apiKeyRoutes,
  ...webhookRoutes,
  ...scheduleRoutes,
];

/** The API's OpenAPI 3.1 document. */
export function openApiDocument() {
  return openApiDocumentFor(apiRoutes);
}
