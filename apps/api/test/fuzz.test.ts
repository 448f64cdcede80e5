import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { faceOf } from '../src/http/faces.ts';
import { startApiServer } from '../src/index.ts';

/**
 * A bounded, deterministic fuzz of every operation in the served `/openapi.json`: for each path,
 * query and body parameter, values that are valid, nearly valid and hostile (broken
 * percent-encoding, NUL, invalid UTF-8, lone surrogates, huge and negative numbers, impossible
 * dates, deep nesting, wrong types, long strings), plus odd content types, bodies and
 * credentials. Whatever is sent, the API must answer without a 5xx, and every 4xx must be an
 * RFC 9457 problem. The seed is fixed, so a failure reproduces; the counts are printed.
 */

const seed = 0x5eed_2026;
/** Generated requests per operation, on top of the systematic ones. */
const randomRequestsPerOperation = 60;
/** Hostile values tried at each body field: the ones that broke the API before, and a random few. */
const hostileValuesPerBodyField = 12;

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
  additionalProperties?: boolean | Schema;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  security?: unknown[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

interface FuzzRequest {
  operationId: string;
  /** What this request tries, for the failure report. */
  probe: string;
  method: string;
  /** Already percent-encoded as it goes on the wire; `{{…}}` placeholders filled at send time. */
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** A query value the document's schema for its parameter refuses: it must not be accepted. */
  refusedByDocument?: boolean;
}

/** mulberry32: small, fast and the same on every machine. */
function random(seedValue: number) {
  let state = seedValue >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

/** Raw, already-encoded path segments and query values that have broken servers before. */
const hostileEncoded = [
  '%E0%A4%A', // truncated UTF-8 sequence
  '%', // a lone percent sign
  '%ff%fe', // bytes that are not UTF-8
  'a%00b', // NUL inside
  '%00',
  '%0a%0d', // line breaks
  '%1b%5b31m', // terminal escape
  '%C0%AF', // overlong encoding
  '%ED%A0%80', // an encoded UTF-16 surrogate
  '%zz',
  '%2e%2e',
  '..',
  '%2F',
  '%20',
  '%F0%9F%98%80', // an emoji
  '%EF%BF%BD', // U+FFFD sent on purpose
  '%E2%80%AE', // right-to-left override
  'x'.repeat(4000),
  '-1',
  '0',
  '1e308',
  '-9007199254740993',
  '99999999999999999999999',
  'NaN',
  'null',
  '%5B%5D',
  '%7B%7D',
  "'%20OR%201=1--",
  'reprun_00000000000000000000000000',
  'report_00000000000000000000000000',
  'reprun_zzzzzzzzzzzzzzzzzzzzzzzzzz',
  'report_%00000000000000000000000000',
  'balance.summary.1',
];

/** Query values on top of the encoded ones: dates Postgres cannot store, bad page tokens. */
const hostileQueryValues = [
  ...hostileEncoded,
  '0000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:59-05:00',
  '10000-01-01T00:00:00Z',
  '2025-02-30T00:00:00Z',
  '2025-13-01T00:00:00Z',
  '2025-01-01T24:00:00Z',
  '2025-01-01',
  '1735689600',
  '',
  // base64url JSON page tokens: NUL in an id, a year-0 position, an absurd limit
  Buffer.from(JSON.stringify({ v: 1, filters: {}, limit: 10, direction: 'older', after: { created: '2025-01-01T00:00:00Z', id: 'a\u0000b' } })).toString('base64url'),
  Buffer.from(JSON.stringify({ v: 1, filters: {}, limit: 10, direction: 'older', after: { created: '0000-01-01T00:00:00Z', id: 'reprun_00000000000000000000000000' } })).toString('base64url'),
  Buffer.from(JSON.stringify({ v: 1, filters: { report: '\u0000' }, limit: 1e9, direction: 'newer', after: { created: '2025-01-01T00:00:00Z', id: 'reprun_00000000000000000000000000' } })).toString('base64url'),
  Buffer.from(JSON.stringify({ v: 1, filters: {}, limit: -5, direction: 'older', after: { created: '2025-01-01T00:00:00Z', id: 'reprun_00000000000000000000000000' } })).toString('base64url'),
  'zzz',
];

function deeplyNested(depth: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < depth; level += 1) value = level % 2 === 0 ? [value] : { a: value };
  return value;
}

/** JSON values to put where a body field goes; the first `alwaysTried` go into every field. */
const alwaysTried = 6;
const hostileJsonValues: unknown[] = [
  'a\u0000b',
  '\ud800',
  '0000-01-01T00:00:00Z',
  deeplyNested(200),
  1e308,
  -1,
  null,
  0,
  1.5,
  -1e308,
  2 ** 53 + 1,
  true,
  '',
  ' ',
  'x'.repeat(10_000),
  '\udc00x',
  '\u001b[31m',
  '2025-02-30T00:00:00Z',
  '9999-12-31T23:59:59-05:00',
  '+275760-09-13T00:00:00Z',
  'reprun_00000000000000000000000000',
  'report_00000000000000000000000000',
  [],
  [null],
  {},
  { $ne: 1 },
  JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
  deeplyNested(30),
];

const wholeBodies: { probe: string; contentType?: string; body: string | Uint8Array; headers?: Record<string, string> }[] = [
  { probe: '6,000-deep arrays', contentType: 'application/json', body: `${'['.repeat(6000)}${']'.repeat(6000)}` },
  {
    probe: '6,000-deep objects with an Idempotency-Key',
    contentType: 'application/json',
    body: `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`,
    headers: { 'idempotency-key': 'fuzz-deep' },
  },
  { probe: 'unclosed deep body', contentType: 'application/json', body: '['.repeat(100_000).slice(0, 60_000) },
  { probe: 'malformed JSON', contentType: 'application/json', body: '{"report": ' },
  { probe: 'empty JSON body', contentType: 'application/json', body: '' },
  { probe: 'JSON null', contentType: 'application/json', body: 'null' },
  { probe: 'JSON number', contentType: 'application/json', body: '1e999999' },
  { probe: 'JSON string', contentType: 'application/json', body: '"\\u0000"' },
  { probe: 'JSON array', contentType: 'application/json', body: '[]' },
  { probe: 'NUL key', contentType: 'application/json', body: '{"\\u0000":1}' },
  { probe: 'lone surrogate key', contentType: 'application/json', body: '{"\\ud800":1}' },
  { probe: 'invalid UTF-8 bytes', contentType: 'application/json', body: new Uint8Array([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0x22, 0x7d]) },
  { probe: 'raw NUL byte', contentType: 'application/json', body: new Uint8Array([0x7b, 0x22, 0x72, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d]) },
  { probe: 'UTF-16 charset', contentType: 'application/json; charset=utf-16le', body: new Uint8Array(Buffer.from('{"a":1}', 'utf16le')) },
  { probe: 'unknown charset', contentType: 'application/json; charset=klingon', body: '{}' },
  { probe: 'latin1 charset', contentType: 'application/json; charset=latin1', body: '{}' },
  { probe: 'text/plain', contentType: 'text/plain', body: 'report=x' },
  { probe: 'form-encoded', contentType: 'application/x-www-form-urlencoded', body: 'report=balance.summary.1' },
  { probe: 'multipart', contentType: 'multipart/form-data; boundary=x', body: '--x\r\n\r\n--x--' },
  { probe: 'no content type', body: '{"report":"x"}' },
  { probe: 'problem+json body', contentType: 'application/problem+json', body: '{}' },
  { probe: 'oversized body', contentType: 'application/json', body: `{"pad":"${'x'.repeat(200_000)}"}` },
  { probe: 'gzip that is not gzip', contentType: 'application/json', body: '{}', headers: { 'content-encoding': 'gzip' } },
  { probe: 'unknown content encoding', contentType: 'application/json', body: '{}', headers: { 'content-encoding': 'br2' } },
];

const idempotencyKeys = ['', ' ', 'x'.repeat(300), 'caf\u00e9', 'fuzz-same-key'];

const fixture = useTestFixture({
  database,
  team: 'Fuzz team',
  otherTeam: true,
  // The limiter is tested elsewhere; here it would only turn most requests into 429s.
  api: (environment) =>
    startApiServer({ ...environment.config, PORT: 0, RATE_LIMIT_PER_MINUTE: 1_000_000 }, createLogger('api-fuzz', 'silent')),
});
let document: OpenApiDocument;
/** Values the placeholders stand for; refreshed when a fuzzed request deletes one. */
const fixtures: Record<string, string> = {};

const savedQuery = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
  dimensions: [{ field: 'created', grain: 'day', time_zone: 'America/New_York' }],
  measures: [{ aggregate: 'sum', field: 'amount' }],
  filters: [{ field: 'currency', op: 'eq', value: 'usd' }],
  order_by: [{ field: 'sum_amount', direction: 'desc' }],
  limit: 10,
};

/** A body each operation accepts, so mutating one field at a time reaches past validation. */
const validBodies: Record<string, unknown> = {
  createReportRun: {
    report: 'balance_change_from_activity.itemized.1',
    report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
    result_options: { compress_file: false, format: 'csv', escape_formulas: true },
    timeout_seconds: 60,
  },
  createSavedReport: { name: 'Fuzzed', query: savedQuery },
  updateSavedReport: { name: 'Renamed', query: savedQuery },
  exportSavedReport: { format: 'json' },
  createMember: { email: 'fuzzed.member@example.com', data_scope: { currency: ['usd'] } },
  updateMember: { data_scope: { currency: ['eur', 'usd'], customer: [] } },
  createApiKey: { name: 'Fuzzed key' },
  createWebhookEndpoint: { url: 'https://hooks.example.com/reportrun', enabled_events: ['*'], description: 'Fuzzed' },
  updateWebhookEndpoint: { enabled_events: ['report_run.failed'], description: 'Renamed' },
  resendEvent: {},
  // heyhumm's routes name the organization; these are completed once the team exists.
  createSchedule: { cron_expression: '0 7 * * 1-5', timezone: 'Europe/Berlin', name: 'Fuzzed', run_mode: 'per_subscriber', misfire_grace_seconds: 60 },
  updateSchedule: { cron_expression: '30 6 * * *', timezone: 'America/New_York', enabled: true, name: 'Fuzzed again' },
  triggerSchedule: {},
  markCommandRunRead: {},
  rerunCommandRun: {},
};

/** Query parameters each operation needs to succeed (heyhumm's `organization_id`). */
const validQueries: Record<string, [string, string][]> = {};
const organizationQuery = ['listCommandSchedules', 'getSchedule', 'deleteSchedule', 'listScheduleRuns', 'listCommandRuns', 'getCommandRun'];
const organizationBody = ['createSchedule', 'updateSchedule', 'triggerSchedule', 'markCommandRunRead', 'rerunCommandRun'];

/** A valid value for each path parameter, by operation: a real object of the key's team. */
const validPathValues: Record<string, string> = {
  getReportRun: '{{runId}}',
  cancelReportRun: '{{runId}}',
  getReport: 'balance.summary.1',
  getSavedReport: '{{savedReportId}}',
  updateSavedReport: '{{savedReportId}}',
  deleteSavedReport: '{{savedReportId}}',
  runSavedReport: '{{savedReportId}}',
  exportSavedReport: '{{savedReportId}}',
  getMember: '{{memberId}}',
  updateMember: '{{memberId}}',
  deleteMember: '{{memberId}}',
  // Another key of the team: the calling key cannot revoke itself.
  deleteApiKey: '{{apiKeyId}}',
  getEvent: '{{eventId}}',
  resendEvent: '{{eventId}}',
  getWebhookEndpoint: '{{webhookEndpointId}}',
  updateWebhookEndpoint: '{{webhookEndpointId}}',
  deleteWebhookEndpoint: '{{webhookEndpointId}}',
  listWebhookDeliveries: '{{webhookEndpointId}}',
  createSchedule: '{{savedReportId}}',
  listCommandSchedules: '{{savedReportId}}',
  getSchedule: '{{scheduleId}}',
  updateSchedule: '{{scheduleId}}',
  deleteSchedule: '{{scheduleId}}',
  triggerSchedule: '{{scheduleId}}',
  listScheduleRuns: '{{scheduleId}}',
  getCommandRun: '{{scheduledRunId}}',
  markCommandRunRead: '{{scheduledRunId}}',
  rerunCommandRun: '{{scheduledRunId}}',
};

async function createFixtureRun(key: string): Promise<string> {
  const response = await fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(validBodies.createReportRun),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

let membersCreated = 0;
async function createFixtureMember(key: string): Promise<string> {
  membersCreated += 1;
  const response = await fetch(`${fixture.api.url}/v1/members`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email: `fixture-${membersCreated}@example.com` }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function createFixtureApiKey(key: string): Promise<string> {
  const response = await fetch(`${fixture.api.url}/v1/api_keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Fixture key' }),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function createFixtureWebhookEndpoint(key: string): Promise<string> {
  const response = await fetch(`${fixture.api.url}/v1/webhook_endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(validBodies.createWebhookEndpoint),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** An event exists once a run ends: a run is created and canceled for it. */
async function createFixtureEvent(key: string): Promise<string> {
  const runId = await createFixtureRun(key);
  const canceled = await fetch(`${fixture.api.url}/v2/reporting/report_runs/${runId}/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
  });
  expect(canceled.status).toBe(200);
  const events = await fetch(`${fixture.api.url}/v1/events?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  return ((await events.json()) as { data: { id: string }[] }).data[0]!.id;
}

async function createFixtureSavedReport(key: string): Promise<string> {
  const response = await fetch(`${fixture.api.url}/v1/reports/saved`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(validBodies.createSavedReport),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

/** A schedule of the key's team with one subscriber, and the run its trigger made. */
async function createFixtureSchedule(key: string, organizationId: string, savedReportId: string, subscriberId: string): Promise<{ scheduleId: string; runId: string }> {
  const send = (path: string, body: unknown) =>
    fetch(`${fixture.api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await send(`/commands/${savedReportId}/schedules`, {
    organization_id: organizationId,
    cron_expression: '0 0 1 1 *',
    name: 'Fuzz fixture',
    subscriber_user_ids: [subscriberId],
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const scheduleId = ((await created.json()) as { id: string }).id;
  const fired = await send(`/schedules/${scheduleId}/trigger`, { organization_id: organizationId });
  expect(fired.status, await fired.clone().text()).toBe(200);
  return { scheduleId, runId: ((await fired.json()) as { runs: { id: string }[] }).runs[0]!.id };
}

beforeAll(async () => {
  document = (await (await fetch(`${fixture.api.url}/openapi.json`)).json()) as OpenApiDocument;
  fixtures.runId = await createFixtureRun(fixture.apiKey);
  fixtures.savedReportId = await createFixtureSavedReport(fixture.apiKey);
  fixtures.otherTeamRunId = await createFixtureRun(fixture.otherTeamKey);
  fixtures.otherTeamSavedReportId = await createFixtureSavedReport(fixture.otherTeamKey);
  fixtures.memberId = await createFixtureMember(fixture.apiKey);
  fixtures.otherTeamMemberId = await createFixtureMember(fixture.otherTeamKey);
  fixtures.apiKeyId = await createFixtureApiKey(fixture.apiKey);
  fixtures.otherTeamApiKeyId = await createFixtureApiKey(fixture.otherTeamKey);
  fixtures.eventId = await createFixtureEvent(fixture.apiKey);
  fixtures.webhookEndpointId = await createFixtureWebhookEndpoint(fixture.apiKey);
  // Subscribers of the schedule fixtures: never the member the fuzz deletes.
  fixtures.subscriberId = await createFixtureMember(fixture.apiKey);
  const ours = await createFixtureSchedule(fixture.apiKey, fixture.teamId, fixtures.savedReportId, fixtures.subscriberId);
  const theirs = await createFixtureSchedule(fixture.otherTeamKey, fixture.otherTeamId, fixtures.otherTeamSavedReportId, await createFixtureMember(fixture.otherTeamKey));
  Object.assign(fixtures, { scheduleId: ours.scheduleId, scheduledRunId: ours.runId, otherTeamScheduleId: theirs.scheduleId, otherTeamScheduledRunId: theirs.runId });
  for (const operationId of organizationQuery) validQueries[operationId] = [['organization_id', encodeURIComponent(fixture.teamId)]];
  for (const operationId of organizationBody) validBodies[operationId] = { organization_id: fixture.teamId, ...(validBodies[operationId] as object) };
  (validBodies.createSchedule as Record<string, unknown>).subscriber_user_ids = [fixtures.subscriberId];
});

function resolve(schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 20; hops += 1) {
    const name = current.$ref.replace('#/components/schemas/', '');
    current = document.components?.schemas?.[name] ?? {};
  }
  return current;
}

/** A value that fits the schema, or nearly: the generator does not try to be clever. */
function sample(schema: Schema | undefined, rng: Random, depth = 0): unknown {
  const resolved = resolve(schema);
  if (resolved.const !== undefined) return resolved.const;
  if (resolved.enum) return rng.pick(resolved.enum);
  const alternatives = resolved.anyOf ?? resolved.oneOf;
  if (alternatives) return sample(rng.pick(alternatives), rng, depth + 1);
  if (resolved.allOf) return sample(resolved.allOf[0], rng, depth + 1);
  const types = Array.isArray(resolved.type) ? resolved.type : [resolved.type ?? 'string'];
  const type = rng.pick(types);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(resolved.properties ?? {})) {
        if (depth < 6 && (resolved.required?.includes(name) || rng.chance(0.5))) {
          out[name] = sample(property, rng, depth + 1);
        }
      }
      return out;
    }
    case 'array':
      return depth < 6 ? Array.from({ length: rng.int(3) }, () => sample(resolved.items, rng, depth + 1)) : [];
    case 'integer': {
      const min = resolved.minimum ?? -1000;
      const max = resolved.maximum ?? 1000;
      return rng.chance(0.8) ? min + rng.int(Math.min(max - min, 1e6) + 1) : rng.pick([min - 1, max + 1]);
    }
    case 'number':
      return rng.next() * 1000;
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    default:
      if (resolved.format === 'date-time') return new Date(Date.UTC(2025, rng.int(12), 1 + rng.int(28))).toISOString();
      return rng.pick(['usd', 'balance.summary.1', 'created', 'amount', 'x', '2025-01-01T00:00:00Z']);
  }
}

/** Every path to a leaf of a JSON value, e.g. ['query', 'filters', 0, 'value']. */
function leafPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) {
    return [prefix, ...value.flatMap((item, index) => leafPaths(item, [...prefix, index]))];
  }
  if (value !== null && typeof value === 'object') {
    return [prefix, ...Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...prefix, key]))];
  }
  return [prefix];
}

function withValueAt(value: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy: unknown = structuredClone(value);
  let cursor = copy as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) cursor = cursor[segment] as Record<string | number, unknown>;
  cursor[path.at(-1)!] = replacement;
  return copy;
}

/**
 * Whether the document's schema for a query parameter refuses a raw (encoded) value: one that
 * does not decode, or breaks its pattern, enum, length or integer bounds. Formats are left out.
 */
function documentRefuses(schema: Schema | undefined, raw: string): boolean {
  let value: string;
  try {
    value = decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return true;
  }
  const resolved = resolve(schema);
  if (value.includes('\u0000')) return true;
  if (resolved.enum && !resolved.enum.includes(value)) return true;
  if (resolved.pattern && !new RegExp(resolved.pattern).test(value)) return true;
  if (resolved.minLength !== undefined && value.length < resolved.minLength) return true;
  if (resolved.maxLength !== undefined && value.length > resolved.maxLength) return true;
  if (resolved.type === 'integer') {
    const number = Number(value);
    if (!Number.isInteger(number)) return true;
    if (resolved.minimum !== undefined && number < resolved.minimum) return true;
    if (resolved.maximum !== undefined && number > resolved.maximum) return true;
  }
  return false;
}

function encodeQuery(entries: [string, string][]): string {
  return entries.length === 0 ? '' : `?${entries.map(([name, value]) => `${name}=${value}`).join('&')}`;
}

/** The requests for one operation: systematic probes of each parameter, then random mixes. */
function requestsFor(path: string, method: string, operation: Operation, rng: Random): FuzzRequest[] {
  const requests: FuzzRequest[] = [];
  const pathParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const queryParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
  const validBody = validBodies[operation.operationId] ?? (bodySchema ? sample(bodySchema, rng) : undefined);
  const auth: Record<string, string> = operation.security?.length ? { authorization: `Bearer ${fixture.apiKey}` } : {};

  const build = (
    probe: string,
    options: { pathValue?: string; query?: [string, string][]; body?: unknown; rawBody?: string | Uint8Array; contentType?: string; headers?: Record<string, string> } = {},
  ): FuzzRequest => {
    const pathValue = options.pathValue ?? validPathValues[operation.operationId] ?? 'x';
    let url = path;
    for (const parameter of pathParams) url = url.replace(`{${parameter.name}}`, pathValue);
    url += encodeQuery(options.query ?? validQueries[operation.operationId] ?? []);
    const headers: Record<string, string> = { ...auth, ...options.headers };
    let body: string | Uint8Array | undefined = options.rawBody;
    if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    if (options.contentType === undefined && options.rawBody !== undefined) delete headers['content-type'];
    if (options.contentType !== undefined) headers['content-type'] = options.contentType;
    return { operationId: operation.operationId, probe, method: method.toUpperCase(), url, headers, ...(body !== undefined ? { body } : {}) };
  };
  const canHaveBody = method !== 'get' && method !== 'head';

  requests.push(build('valid', { ...(canHaveBody && validBody !== undefined ? { body: validBody } : {}) }));

  for (const raw of hostileEncoded) {
    if (pathParams.length > 0) {
      requests.push(build(`path ${raw.slice(0, 40)}`, { pathValue: raw, ...(canHaveBody && validBody !== undefined ? { body: validBody } : {}) }));
    }
  }
  if (pathParams.length > 0) {
    const othersObject = path.includes('saved') || path.includes('/commands/')
      ? '{{otherTeamSavedReportId}}'
      : path.includes('members')
        ? '{{otherTeamMemberId}}'
        : path.includes('api_keys')
          ? '{{otherTeamApiKeyId}}'
        : path.includes('schedules')
          ? '{{otherTeamScheduleId}}'
          : path.startsWith('/reports/runs')
            ? '{{otherTeamScheduledRunId}}'
            : '{{otherTeamRunId}}';
    requests.push(build("another team's object", { pathValue: othersObject }));
  }

  const validQuery = (): [string, string][] =>
    queryParams
      .filter((parameter) => parameter.required || rng.chance(0.3))
      .map((parameter) => [parameter.name, encodeURIComponent(String(sample(parameter.schema, rng)))]);
  for (const parameter of queryParams) {
    const name = parameter.name.replace('[', '%5B').replace(']', '%5D');
    for (const value of hostileQueryValues) {
      const request = build(`query ${parameter.name}=${value.slice(0, 40)}`, { query: [[rng.chance(0.5) ? parameter.name : name, value]] });
      if (documentRefuses(parameter.schema, value)) request.refusedByDocument = true;
      requests.push(request);
    }
    requests.push(build(`query ${parameter.name} twice`, { query: [[name, '1'], [name, '2']] }));
  }
  for (const name of ['unknown', '%00', '%ff', 'a%5Bb%5D%5Bc%5D', '__proto__', 'x'.repeat(2000)]) {
    requests.push(build(`query name ${name.slice(0, 40)}`, { query: [[name, '1']] }));
  }

  if (canHaveBody && (bodySchema || validBody !== undefined)) {
    for (const leaf of leafPaths(validBody)) {
      const others = hostileJsonValues.slice(alwaysTried);
      const chosen = [...hostileJsonValues.slice(0, alwaysTried), ...Array.from({ length: hostileValuesPerBodyField - alwaysTried }, () => rng.pick(others))];
      for (const replacement of chosen) {
        requests.push(build(`body ${leaf.join('.') || '(root)'} = ${JSON.stringify(replacement)?.slice(0, 40)}`, { body: withValueAt(validBody, leaf, replacement) }));
      }
      // An unknown key beside each object's known ones.
      const atLeaf = leaf.reduce<unknown>((value, segment) => (value as Record<string | number, unknown>)[segment], validBody);
      if (atLeaf !== null && typeof atLeaf === 'object' && !Array.isArray(atLeaf)) requests.push(build(`body ${leaf.join('.')} + unknown key`, { body: withValueAt(validBody, [...leaf, 'unexpected\u0000'], 1) }));
    }
    for (const whole of wholeBodies) {
      requests.push(build(`whole body: ${whole.probe}`, { rawBody: whole.body, ...(whole.contentType ? { contentType: whole.contentType } : {}), ...(whole.headers ? { headers: whole.headers } : {}) }));
    }
  }
  if (method === 'post') {
    for (const key of idempotencyKeys) {
      requests.push(build(`Idempotency-Key ${JSON.stringify(key.slice(0, 20))}`, { ...(validBody !== undefined ? { body: validBody } : {}), headers: { 'idempotency-key': key } }));
    }
  }

  for (const [probe, authorization] of [
    ['no credentials', undefined],
    ['Basic credentials', 'Basic Zm9vOmJhcg=='],
    ['empty bearer', 'Bearer'],
    ['unknown key', 'Bearer rr_test_unknown'],
    ['huge key', `Bearer ${'k'.repeat(6000)}`],
    ['two keys', `Bearer ${'a'} b`],
    ['non-ASCII key', 'Bearer cl\u00e9'],
  ] as const) {
    const request = build(`auth: ${probe}`);
    if (authorization === undefined) delete request.headers.authorization;
    else request.headers.authorization = authorization;
    requests.push(request);
  }

  for (let index = 0; index < randomRequestsPerOperation; index += 1) {
    const body = canHaveBody && bodySchema ? (rng.chance(0.5) ? sample(bodySchema, rng) : withValueAt(validBody, rng.pick(leafPaths(validBody)), rng.pick(hostileJsonValues))) : undefined;
    const query: [string, string][] = rng.chance(0.5) ? validQuery() : [...validQuery(), ...(queryParams.length > 0 ? [[rng.pick(queryParams).name, rng.pick(hostileQueryValues)] as [string, string]] : [])];
    requests.push(
      build('random', {
        ...(pathParams.length > 0 ? { pathValue: rng.chance(0.5) ? (validPathValues[operation.operationId] ?? 'x') : rng.pick(hostileEncoded) } : {}),
        query,
        ...(body !== undefined ? { body } : {}),
      }),
    );
  }
  return requests;
}

function fill(text: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => fixtures[name] ?? name);
}

describe('fuzzing every operation of /openapi.json', () => {
  it('answers every generated request without a 5xx, every 4xx as application/problem+json, and accepts no query value its document refuses', async () => {
    const rng = random(seed);
    // Stripe's v1 and Airplane's faces answer in their own shapes; faces-fuzz.test.ts covers them.
    // A run's event stream stays open until the run ends (no worker runs here);
    // report-run-events.test.ts covers it.
    const paths = Object.entries(document.paths)
      .filter(([path]) => faceOf(path) === 'reportrun')
      .map(([path, operations]) => [path, Object.fromEntries(Object.entries(operations).filter(([, operation]) => operation.operationId !== 'streamReportRunEvents'))] as const)
      .filter(([, operations]) => Object.keys(operations).length > 0);
    const requests = paths.flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) => requestsFor(path, method, operation, rng)),
    );
    const byStatus = new Map<number, number>();
    const failures: string[] = [];
    const operationsSeen = new Set<string>();
    const operationsSucceeded = new Set<string>();
    const problemTypes = new Set<string>();

    const send = async (request: FuzzRequest) => {
      const url = fill(request.url);
      const response = await fetch(`${fixture.api.url}${url}`, {
        method: request.method,
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, fill(value)])),
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      const text = await response.text();
      byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
      operationsSeen.add(request.operationId);
      if (response.ok) operationsSucceeded.add(request.operationId);
      const contentType = response.headers.get('content-type') ?? '';
      const describe = `${request.operationId} [${request.probe}] ${request.method} ${url.slice(0, 120)} → ${response.status} ${contentType}: ${text.slice(0, 200)}`;
      if (response.status >= 500) failures.push(describe);
      else if (response.ok && request.refusedByDocument) failures.push(`${describe} (accepted a value /openapi.json refuses)`);
      else if (response.status >= 400) {
        if (!contentType.startsWith('application/problem+json')) failures.push(describe);
        else {
          const problem = JSON.parse(text) as { status?: unknown; code?: unknown; type?: unknown; title?: unknown };
          if (problem.status !== response.status || typeof problem.code !== 'string' || typeof problem.type !== 'string' || typeof problem.title !== 'string') {
            failures.push(`${describe} (not a complete problem)`);
          } else problemTypes.add(problem.type);
        }
      }
      // A fuzzed request that deleted a fixture would leave the rest probing a 404.
      if (request.operationId === 'deleteSavedReport' && response.ok) fixtures.savedReportId = await createFixtureSavedReport(fixture.apiKey);
      if (request.operationId === 'deleteMember' && response.ok) fixtures.memberId = await createFixtureMember(fixture.apiKey);
      if (request.operationId === 'deleteApiKey' && response.ok) fixtures.apiKeyId = await createFixtureApiKey(fixture.apiKey);
      if (request.operationId === 'deleteWebhookEndpoint' && response.ok) fixtures.webhookEndpointId = await createFixtureWebhookEndpoint(fixture.apiKey);
      if (request.operationId === 'deleteSchedule' && response.ok) {
        const replacement = await createFixtureSchedule(fixture.apiKey, fixture.teamId, fixtures.savedReportId!, fixtures.subscriberId!);
        Object.assign(fixtures, { scheduleId: replacement.scheduleId, scheduledRunId: replacement.runId });
      }
      if (request.operationId === 'cancelReportRun' && response.ok) fixtures.runId = await createFixtureRun(fixture.apiKey);
    };

    // A few requests at a time, enough to overlap I/O and few enough for a 2-core machine; then
    // the ones that delete or cancel their object, one by one, so no other request races them
    // and the counts come out the same on every run.
    const destructive = (request: FuzzRequest) => request.method === 'DELETE' || request.operationId === 'cancelReportRun';
    const concurrent = requests.filter((request) => !destructive(request));
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < concurrent.length) await send(concurrent[next++]!);
      }),
    );
    for (const request of requests.filter(destructive)) await send(request);

    const counts = [...byStatus.entries()].toSorted(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`);
    console.log(`fuzz (seed ${seed}): ${requests.length} requests over ${operationsSeen.size} operations; by status ${counts.join(', ')}; ${failures.length} failures`);
    const operationIds = paths.map(([, operations]) => operations).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
    expect([...operationsSeen].toSorted()).toEqual(operationIds.toSorted());
    // The fuzz reaches past validation into every handler, not only into the 400 paths.
    expect([...operationsSucceeded].toSorted()).toEqual(operationIds.toSorted());
    expect(requests.length).toBeGreaterThan(2000);
    expect(failures.slice(0, 30)).toEqual([]);

    // Every problem links to a page that explains its code: follow each distinct `type` once.
    const unexplained: string[] = [];
    for (const type of problemTypes) {
      const page = await fetch(new URL(type, fixture.api.url));
      if (page.status !== 200 || !(await page.text()).includes(type.split('/').at(-1)!)) unexplained.push(`${type} → ${page.status}`);
    }
    expect(problemTypes.size).toBeGreaterThan(10);
    expect(unexplained).toEqual([]);
  }, 300_000);
});
