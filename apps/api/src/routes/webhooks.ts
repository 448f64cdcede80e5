import {
  apiPaths,
  createdWebhookEndpointSchema,
  createWebhookEndpointRequestSchema,
  deletedWebhookEndpointSchema,
  eventListSchema,
  eventSchema,
  listEventsQuerySchema,
  listWebhookDeliveriesQuerySchema,
  listWebhookEndpointsQuerySchema,
  resendEventRequestSchema,
  updateWebhookEndpointRequestSchema,
  webhookDeliveryListSchema,
  webhookEndpointListSchema,
  webhookEndpointSchema,
  InvalidParameter,
} from '@reportrun/core';
import type { ReportRun } from '@reportrun/db';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getEvent,
  getWebhookEndpoint,
  listEndpointDeliveries,
  listEvents,
  listWebhookEndpoints,
  resendEvent,
  toEventResource,
  toWebhookEndpointResource,
  updateWebhookEndpoint,
  type RenderRun,
} from '@reportrun/webhooks';
import { z } from 'zod';
import type { ApiDependencies } from '../dependencies.ts';
import { principalOf } from '../http/auth.ts';
import { defineRoute } from '../http/route.ts';
import { renderReportRun } from '@reportrun/status';
import { webhookProblems } from './problem-tables.ts';

/**
 * Events (`/v1/events`) and webhook endpoints (`/v1/webhook_endpoints`) in Stripe's shapes; the
 * behaviour lives in @reportrun/webhooks. Both are per team and mode: a test key sees only
 * test-mode events and endpoints.
 */

const objectId = z.object({ id: z.string() });

const scopeOf = (request: Parameters<typeof principalOf>[0]) => {
  const { teamId, livemode } = principalOf(request);
  return { teamId, livemode };
};

const urlPolicyOf = (deps: ApiDependencies) => ({ allowPrivateUrls: deps.config.WEBHOOK_ALLOW_PRIVATE_URLS });

/** The run inside an event, exactly as `GET /v2/reporting/report_runs/{id}` shows it now. */
const runRenderer =
  (deps: ApiDependencies): RenderRun =>
  (run: ReportRun) =>
    renderReportRun(deps.storageZones, run, deps.config.DOWNLOAD_URL_TTL_SECONDS);

export const listEventsRoute = defineRoute({
  method: 'get',
  path: apiPaths.events,
  operationId: 'listEvents',
  summary: 'List events of the last 30 days, newest first, optionally of one type',
  query: listEventsQuerySchema,
  response: { status: 200, description: 'A page of events', schema: eventListSchema },
  problems: webhookProblems,
  async handler({ query, request, deps }) {
    const page = await listEvents(deps.prisma, scopeOf(request), {
      limit: query.limit,
      ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
      ...(query.type !== undefined ? { type: query.type } : {}),
    });
    const render = runRenderer(deps);
    return {
      object: 'list' as const,
      data: await Promise.all(page.events.map((event) => toEventResource(event, render))),
      has_more: page.hasMore,
    };
  },
});

export const getEventRoute = defineRoute({
  method: 'get',
  path: apiPaths.event,
  operationId: 'getEvent',
  summary: 'Retrieve an event',
  params: objectId,
  response: { status: 200, description: 'The event', schema: eventSchema },
  problems: webhookProblems,
  handler: async ({ params: { id }, request, deps }) =>
    toEventResource(await getEvent(deps.prisma, scopeOf(request), id), runRenderer(deps)),
});

export const resendEventRoute = defineRoute({
  method: 'post',
  path: apiPaths.eventResend,
  operationId: 'resendEvent',
  summary:
    'Send an event again: to `webhook_endpoint`, or to every endpoint that wants its type; each delivery restarts its retries',
  params: objectId,
  idempotent: true,
  body: { schema: resendEventRequestSchema, required: false },
  response: { status: 200, description: 'The deliveries now pending', schema: webhookDeliveryListSchema },
  problems: webhookProblems,
  async handler({ params: { id }, body, request, deps }) {
    const deliveries = await resendEvent(deps.prisma, scopeOf(request), id, body?.webhook_endpoint);
    return { object: 'list' as const, data: deliveries, has_more: false };
  },
});

export const createWebhookEndpointRoute = defineRoute({
  method: 'post',
  path: apiPaths.webhookEndpoints,
  operationId: 'createWebhookEndpoint',
  summary: 'Create a webhook endpoint; the answer carries its signing secret, shown only this once',
  idempotent: true,
  body: { schema: createWebhookEndpointRequestSchema },
  response: { status: 201, description: 'The endpoint, with `secret`', schema: createdWebhookEndpointSchema },
  problems: webhookProblems,
  async handler({ body, request, deps }) {
    const endpoint = await createWebhookEndpoint(deps.prisma, scopeOf(request), body, urlPolicyOf(deps));
    return { ...toWebhookEndpointResource(endpoint), secret: endpoint.secret };
  },
});

export const listWebhookEndpointsRoute = defineRoute({
  method: 'get',
  path: apiPaths.webhookEndpoints,
  operationId: 'listWebhookEndpoints',
  summary: 'List webhook endpoints, newest first',
  query: listWebhookEndpointsQuerySchema,
  response: { status: 200, description: 'A page of endpoints', schema: webhookEndpointListSchema },
  problems: webhookProblems,
  async handler({ query, request, deps }) {
    const page = await listWebhookEndpoints(deps.prisma, scopeOf(request), {
      limit: query.limit,
      ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
    });
    return { object: 'list' as const, data: page.endpoints.map(toWebhookEndpointResource), has_more: page.hasMore };
  },
});

export const getWebhookEndpointRoute = defineRoute({
  method: 'get',
  path: apiPaths.webhookEndpoint,
  operationId: 'getWebhookEndpoint',
  summary: 'Retrieve a webhook endpoint (without its secret)',
  params: objectId,
  response: { status: 200, description: 'The endpoint', schema: webhookEndpointSchema },
  problems: webhookProblems,
  handler: async ({ params: { id }, request, deps }) =>
    toWebhookEndpointResource(await getWebhookEndpoint(deps.prisma, scopeOf(request), id)),
});

export const updateWebhookEndpointRoute = defineRoute({
  method: 'post',
  path: apiPaths.webhookEndpoint,
  operationId: 'updateWebhookEndpoint',
  summary: "Change a webhook endpoint's url, enabled_events or description (as Stripe does, by POST)",
  params: objectId,
  body: { schema: updateWebhookEndpointRequestSchema },
  response: { status: 200, description: 'The updated endpoint', schema: webhookEndpointSchema },
  problems: webhookProblems,
  async handler({ params: { id }, body, request, deps }) {
    if (body.url === undefined && body.enabled_events === undefined && body.description === undefined)
      throw new InvalidParameter('body', 'Send the fields to change: url, enabled_events or description.');
    const endpoint = await updateWebhookEndpoint(deps.prisma, scopeOf(request), id, body, urlPolicyOf(deps));
    return toWebhookEndpointResource(endpoint);
  },
});

export const deleteWebhookEndpointRoute = defineRoute({
  method: 'delete',
  path: apiPaths.webhookEndpoint,
  operationId: 'deleteWebhookEndpoint',
  summary: 'Delete a webhook endpoint; its pending deliveries are dropped',
  params: objectId,
  response: { status: 200, description: 'Deleted', schema: deletedWebhookEndpointSchema },
  problems: webhookProblems,
  async handler({ params: { id }, request, deps }) {
    await deleteWebhookEndpoint(deps.prisma, scopeOf(request), id);
    return { id, object: 'webhook_endpoint' as const, deleted: true as const };
  },
});

export const listWebhookDeliveriesRoute = defineRoute({
  method: 'get',
  path: apiPaths.webhookEndpointDeliveries,
  operationId: 'listWebhookDeliveries',
  summary: "An endpoint's deliveries, newest first, each with its attempts (status code, error, timing) and next retry",
  params: objectId,
  query: listWebhookDeliveriesQuerySchema,
  response: { status: 200, description: 'A page of deliveries', schema: webhookDeliveryListSchema },
  problems: webhookProblems,
  async handler({ params: { id }, query, request, deps }) {
    const page = await listEndpointDeliveries(deps.prisma, scopeOf(request), id, {
      limit: query.limit,
      ...(query.starting_after !== undefined ? { startingAfter: query.starting_after } : {}),
    });
    return { object: 'list' as const, data: page.deliveries, has_more: page.hasMore };
  },
});

export const webhookRoutes = [
  listEventsRoute,
  getEventRoute,
  resendEventRoute,
  createWebhookEndpointRoute,
  listWebhookEndpointsRoute,
  getWebhookEndpointRoute,
  updateWebhookEndpointRoute,
  deleteWebhookEndpointRoute,
  listWebhookDeliveriesRoute,
];
