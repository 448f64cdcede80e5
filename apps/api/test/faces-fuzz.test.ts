import { describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { startAttempt, succeedAttempt } from '@reportrun/status';
import { useTestFixture } from '@reportrun/testing';
import { faceOf } from '../src/http/faces.ts';
import { startApiServer } from '../src/index.ts';

/**
 * A bounded, deterministic fuzz of the Stripe v1 and Airplane faces, in the manner of
 * fuzz.test.ts but with its own seed and with what these faces add: form bodies in Stripe's
 * bracket syntax (unbalanced, repeated, too deep, badly encoded), Unix timestamps of every size,
 * Airplane's key and team headers. Whatever is sent, no 5xx; every 4xx is in the face's own
 * envelope (Stripe's `{error}` on v1, problem+json on Airplane's); every operation also succeeds.
 */

const seed = 0xfa_ce5_2026;
const randomRequestsPerOperation = 80;

const fixture = useTestFixture({
  database,
  team: 'Faces fuzz team',
  otherTeam: true,
  // The limiter is tested elsewhere; here it would only turn most requests into 429s.
  api: (environment) =>
    startApiServer({ ...environment.config, PORT: 0, RATE_LIMIT_PER_MINUTE: 1_000_000 }, createLogger('faces-fuzz', 'silent')),
});

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
    int: (max: number) => Math.floor(next() * max),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Random = ReturnType<typeof random>;

const start = 1740787200;
const end = 1743465600;

/** Encoded values for a query parameter, a path segment or a form value. */
const hostileValues = [
  '', '0', '-1', '1.5', '1e3', '0x10', '253402300799', '253402300800', '99999999999999999999', 'NaN',
  '%00', 'a%00b', '%E0%A4%A', '%ff%fe', '%', '%zz', '%ED%A0%80', '%F0%9F%98%80', 'x'.repeat(3000),
  'frr_00000000000000000000000000', 'file_00000000000000000000000000', 'reprun_00000000000000000000000000',
  'report_00000000000000000000000000', 'balance.summary.1', '__proto__', '%5B%5D', "'%20OR%201=1--",
  '2025-03-01T00:00:00Z', String(start), String(end),
];

/** Parameter names in bracket syntax: valid, nearly valid and broken. */
const formNames = [
  'report_type', 'parameters[interval_start]', 'parameters[interval_end]', 'parameters[columns][]',
  'parameters[columns][0]', 'parameters[columns][7]', 'parameters[columns][x]', 'parameters[currency]',
  'parameters[timezone]', 'parameters[reporting_category]', 'parameters[payout]', 'parameters',
  'parameters[', 'parameters]', 'parameters[a', '[a]', 'a]]', 'parameters[[a]]', 'parameters[][a]',
  'parameters[a][b][c][d][e][f]', `parameters${'[a]'.repeat(50)}`, 'parameters[__proto__]', '__proto__[x]',
  'constructor[prototype][x]', 'expand[]', '%00', '%E0%A4%A', 'a%5Bb', 'parameters%5Bcurrency%5D',
];

const validForm = `report_type=balance_change_from_activity.itemized.1&parameters[interval_start]=${start}&parameters[interval_end]=${end}&parameters[columns][]=currency`;

interface FuzzRequest {
  operationId: string;
  probe: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

interface Operation {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: unknown;
}

function randomForm(rng: Random): string {
  const pairs: string[] = rng.chance(0.5) ? validForm.split('&') : [];
  for (let index = rng.int(6); index >= 0; index -= 1) pairs.splice(rng.int(pairs.length + 1), 0, `${rng.pick(formNames)}=${rng.pick(hostileValues)}`);
  if (rng.chance(0.2)) pairs.push(pairs[rng.int(pairs.length)] ?? 'report_type=x');
  return pairs.join('&');
}

function jsonValue(rng: Random): unknown {
  return rng.pick<unknown>([null, true, -1, 1.5, 1e308, 2 ** 53 + 1, '', 'a\u0000b', '\ud800', [], {}, [1], { a: 1 }, 'x'.repeat(2000), start, String(end), '2025-03-01T00:00:00Z']);
}

const airplaneBody = () => ({
  slug: 'balance_change_from_activity.itemized.1',
  paramValues: { interval_start: '2025-03-01T00:00:00Z', interval_end: end, currency: 'usd', columns: ['currency'] },
});

function requestsFor(path: string, method: string, operation: Operation, rng: Random, secret: string): FuzzRequest[] {
  const face = faceOf(path);
  const requests: FuzzRequest[] = [];
  const auth = (): Record<string, string> =>
    face === 'airplane' && rng.chance(0.5) ? { 'x-airplane-api-key': secret } : { authorization: `Bearer ${secret}` };
  const pathParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'path');
  const queryParams = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query');
  const validPath: Record<string, string> = {
    getStripeV1ReportRun: '{{v1RunId}}',
    getStripeV1ReportType: 'balance.summary.1',
    getStripeV1File: '{{v1FileId}}',
    getStripeV1FileContents: '{{v1FileId}}',
  };
  const validQuery: Record<string, string> = {
    airplaneGetRun: 'id={{runId}}',
    airplaneGetOutputs: 'id={{succeededRunId}}',
    airplaneListRuns: 'taskID=balance.summary.1&limit=5&page=0',
    listStripeV1ReportRuns: `limit=3&created[gte]=${start}`,
  };
  const validBody: Record<string, () => unknown> = {
    airplaneExecuteTask: airplaneBody,
    airplaneCancelRun: () => ({ runID: '{{cancelRunId}}' }),
  };
  const build = (probe: string, options: { pathValue?: string; query?: string; body?: string; contentType?: string; headers?: Record<string, string> } = {}): FuzzRequest => {
    let url = path;
    for (const parameter of pathParams) url = url.replace(`{${parameter.name}}`, options.pathValue ?? validPath[operation.operationId] ?? 'x');
    const query = options.query ?? validQuery[operation.operationId];
    if (query) url += `?${query}`;
    const headers = { ...auth(), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
    return { operationId: operation.operationId, probe, method: method.toUpperCase(), url, headers, ...(options.body !== undefined ? { body: options.body } : {}) };
  };
  const hasBody = operation.requestBody !== undefined;
  const validBodyText = () =>
    operation.operationId === 'createStripeV1ReportRun' ? validForm : JSON.stringify(validBody[operation.operationId]?.() ?? {});
  const validContentType = operation.operationId === 'createStripeV1ReportRun' ? 'application/x-www-form-urlencoded' : 'application/json';

  requests.push(build('valid', hasBody ? { body: validBodyText(), contentType: validContentType } : {}));
  for (const value of hostileValues) {
    if (pathParams.length > 0) requests.push(build(`path ${value.slice(0, 30)}`, { pathValue: value }));
    for (const parameter of queryParams) {
      requests.push(build(`query ${parameter.name}=${value.slice(0, 30)}`, { query: `${parameter.name}=${value}` }));
    }
  }
  for (const parameter of queryParams) requests.push(build(`query ${parameter.name} twice`, { query: `${parameter.name}=1&${parameter.name}=2` }));
  requests.push(build('unknown query parameter', { query: 'colour=red' }));

  if (hasBody) {
    if (operation.operationId === 'createStripeV1ReportRun') {
      for (const name of formNames) {
        for (const value of [rng.pick(hostileValues), rng.pick(hostileValues)]) {
          requests.push(build(`form ${name.slice(0, 30)}=${value.slice(0, 20)}`, { body: `${validForm}&${name}=${value}`, contentType: 'application/x-www-form-urlencoded' }));
        }
      }
      requests.push(build('form without values', { body: 'report_type&parameters[interval_start]&&&', contentType: 'application/x-www-form-urlencoded' }));
      requests.push(build('form of 5,000 pairs', { body: Array.from({ length: 5000 }, (_, index) => `parameters[columns][${index}]=a`).join('&'), contentType: 'application/x-www-form-urlencoded' }));
      requests.push(build('form with a charset', { body: validForm, contentType: 'application/x-www-form-urlencoded; charset=latin1' }));
      requests.push(build('JSON body', { body: JSON.stringify({ report_type: 'balance.summary.1', parameters: { interval_start: start, interval_end: end } }) }));
    }
    const template = validBody[operation.operationId]?.() as Record<string, unknown> | undefined;
    for (const key of Object.keys(template ?? {})) {
      for (let index = 0; index < 8; index += 1) {
        requests.push(build(`body ${key} mutated`, { body: JSON.stringify({ ...template, [key]: jsonValue(rng) }) }));
      }
    }
    if (operation.operationId === 'airplaneExecuteTask') {
      for (const name of ['interval_start', 'interval_end', 'currency', 'columns', 'timezone', '__proto__', '']) {
        for (let index = 0; index < 6; index += 1) {
          const body = airplaneBody();
          requests.push(build(`paramValues.${name} mutated`, { body: JSON.stringify({ ...body, paramValues: { ...body.paramValues, [name]: jsonValue(rng) } }) }));
        }
      }
    }
    for (const [probe, body, contentType] of [
      ['deep JSON', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'application/json'],
      ['malformed JSON', '{"slug":', 'application/json'],
      ['text/plain', 'a=b', 'text/plain'],
      ['multipart', '--x\r\n\r\n--x--', 'multipart/form-data; boundary=x'],
      ['form where JSON goes', 'slug=x', 'application/x-www-form-urlencoded'],
      ['oversized', `${'a='.padEnd(100_000, 'x')}`, 'application/x-www-form-urlencoded'],
    ] as const) {
      requests.push(build(`whole body: ${probe}`, { body, contentType }));
    }
    for (const key of ['', 'x'.repeat(300), 'faces-fuzz-key']) {
      requests.push(build(`Idempotency-Key ${key.slice(0, 10)}`, { body: validBodyText(), contentType: validContentType, headers: { 'idempotency-key': key } }));
    }
  }
  for (const headers of [
    {},
    { authorization: 'Bearer rr_test_unknown' },
    { authorization: 'Basic Zm9vOmJhcg==' },
    { 'x-airplane-api-key': '' },
    { 'x-airplane-api-key': 'rr_test_unknown' },
    { 'x-airplane-api-key': 'a b' },
    { 'x-airplane-api-key': 'k'.repeat(5000) },
  ]) {
    const request = build(`auth ${JSON.stringify(headers).slice(0, 40)}`);
    delete request.headers.authorization;
    delete request.headers['x-airplane-api-key'];
    Object.assign(request.headers, headers);
    requests.push(request);
  }
  for (const team of ['', '{{teamId}}', '{{otherTeamId}}', 'team_00000000000000000000000000', 'x'.repeat(500)]) {
    requests.push(build(`X-Team-ID ${team.slice(0, 20)}`, { headers: { 'x-team-id': team } }));
  }
  for (let index = 0; index < randomRequestsPerOperation; index += 1) {
    const query = queryParams.length > 0 && rng.chance(0.7)
      ? queryParams.filter(() => rng.chance(0.5)).map((parameter) => `${parameter.name}=${rng.chance(0.5) ? rng.pick(hostileValues) : String(start + rng.int(1000))}`).join('&')
      : undefined;
    const body = !hasBody ? undefined : operation.operationId === 'createStripeV1ReportRun' && rng.chance(0.7) ? randomForm(rng) : JSON.stringify({ ...(validBody[operation.operationId]?.() as object), [rng.pick(['slug', 'paramValues', 'runID', 'report_type', 'parameters', 'x'])]: jsonValue(rng) });
    const isForm = body !== undefined && operation.operationId === 'createStripeV1ReportRun' && !body.startsWith('{');
    requests.push(
      build('random', {
        ...(pathParams.length > 0 && rng.chance(0.5) ? { pathValue: rng.pick(hostileValues) } : {}),
        ...(query !== undefined ? { query } : {}),
        ...(body !== undefined ? { body, contentType: isForm ? 'application/x-www-form-urlencoded' : 'application/json' } : {}),
      }),
    );
  }
  return requests;
}

describe('fuzzing the Stripe v1 and Airplane faces', () => {
  it('answers every generated request without a 5xx, and every 4xx in the face\'s own envelope', async () => {
    const { api, apiKey, teamId, otherTeamId, db } = fixture;
    const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, Operation>> };
    const faced = Object.entries(document.paths).filter(([path]) => faceOf(path) !== 'reportrun');

    const createRun = async () => {
      const response = await fetch(`${api.url}/v0/tasks/execute`, {
        method: 'POST',
        headers: { 'x-airplane-api-key': apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(airplaneBody()),
      });
      expect(response.status).toBe(200);
      return ((await response.json()) as { runID: string }).runID;
    };
    const succeededRunId = await createRun();
    // Succeeded as a worker would succeed it, without one: files and outputs then have a run to show.
    const attempt = await startAttempt(db.prisma, succeededRunId, { owner: 'faces-fuzz', leaseSeconds: 60, maxCrashes: 1 });
    if (attempt.outcome !== 'started') throw new Error(`the fuzz run did not start: ${attempt.outcome}`);
    await succeedAttempt(db.prisma, attempt.lease, { contentType: 'csv', objectKey: `fuzz/${succeededRunId}.csv`, size: 10, rows: 1 });
    const fixtures: Record<string, string> = {
      runId: await createRun(),
      cancelRunId: await createRun(),
      succeededRunId,
      v1RunId: succeededRunId.replace('reprun_', 'frr_'),
      v1FileId: succeededRunId.replace('reprun_', 'file_'),
      teamId,
      otherTeamId,
    };
    const fill = (text: string) => text.replace(/\{\{(\w+)\}\}/g, (_match, name: string) => fixtures[name] ?? name);

    const rng = random(seed);
    const requests = faced.flatMap(([path, operations]) =>
      Object.entries(operations).flatMap(([method, operation]) => requestsFor(path, method, operation, rng, apiKey)),
    );
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    const seen = new Set<string>();
    const succeeded = new Set<string>();
    const send = async (request: FuzzRequest) => {
      const url = fill(request.url);
      const response = await fetch(`${api.url}${url}`, {
        method: request.method,
        redirect: 'manual',
        headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name, fill(value)])),
        ...(request.body !== undefined ? { body: fill(request.body) } : {}),
      });
      const text = await response.text();
      byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
      seen.add(request.operationId);
      if (response.status < 400) succeeded.add(request.operationId);
      const contentType = response.headers.get('content-type') ?? '';
      const describe = `${request.operationId} [${request.probe}] ${request.method} ${url.slice(0, 100)} → ${response.status} ${contentType}: ${text.slice(0, 200)}`;
      if (response.status >= 500) failures.push(describe);
      else if (response.status >= 400) {
        if (faceOf(url.split('?')[0]!) === 'stripe_v1') {
          const parsed = contentType.startsWith('application/json') ? (JSON.parse(text) as { error?: { type?: unknown; code?: unknown; message?: unknown } }) : {};
          if (typeof parsed.error?.type !== 'string' || typeof parsed.error.code !== 'string' || typeof parsed.error.message !== 'string') failures.push(`${describe} (not Stripe's error envelope)`);
        } else if (!contentType.startsWith('application/problem+json') || (JSON.parse(text) as { status?: unknown }).status !== response.status) {
          failures.push(`${describe} (not a problem)`);
        }
      }
      if (request.operationId === 'airplaneCancelRun' && response.ok) fixtures.cancelRunId = await createRun();
    };
    const concurrent = requests.filter((request) => request.operationId !== 'airplaneCancelRun');
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < concurrent.length) await send(concurrent[next++]!);
    }));
    for (const request of requests.filter((request) => request.operationId === 'airplaneCancelRun')) await send(request);

    const counts = [...byStatus.entries()].toSorted(([a], [b]) => a - b).map(([status, count]) => `${status}: ${count}`);
    console.log(`faces fuzz (seed ${seed}): ${requests.length} requests over ${seen.size} operations; by status ${counts.join(', ')}; ${failures.length} failures`);
    const operationIds = faced.flatMap(([, operations]) => Object.values(operations).map((operation) => operation.operationId)).toSorted();
    expect(operationIds.length).toBe(12);
    expect([...seen].toSorted()).toEqual(operationIds);
    expect([...succeeded].toSorted()).toEqual(operationIds);
    expect(requests.length).toBeGreaterThan(1500);
    expect(failures.slice(0, 30)).toEqual([]);
  }, 300_000);
});
