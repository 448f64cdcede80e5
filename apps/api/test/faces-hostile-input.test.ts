import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { maxFormDepth, parseFormBody } from '../src/http/form-body.ts';
import { expectProblem, inProcessApi } from './api-fixtures.ts';

/**
 * Malformed form bodies, timestamps out of range and unknown parameters on the Stripe v1 and
 * Airplane faces: each is a 400 in the face's own error shape naming the parameter, and nothing
 * is stored.
 */

const fixture = useTestFixture({ database, team: 'Faces hostile team', api: inProcessApi });

const start = 1740787200; // 2025-03-01
const end = 1743465600; // 2025-04-01
const validForm = `report_type=balance.summary.1&parameters[interval_start]=${start}&parameters[interval_end]=${end}`;

function send(path: string, init: { method?: string; body?: string; contentType?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${fixture.api.url}${path}`, {
    method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
    headers: {
      authorization: `Bearer ${fixture.apiKey}`,
      ...(init.body !== undefined ? { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

/** Asserts Stripe's v1 error envelope with the given status; returns its `error`. */
async function expectStripeError(response: Response, status: number, param?: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const { error } = JSON.parse(text) as { error: Record<string, unknown> };
  expect(error).toMatchObject({ type: status >= 500 ? 'api_error' : expect.any(String), code: expect.any(String), message: expect.any(String) });
  if (param !== undefined) expect(error.param).toBe(param);
  return error;
}

const runCount = () => fixture.db.prisma.reportRun.count();

describe('form bodies in Stripe bracket syntax', () => {
  it('parse into objects and lists, strictly', () => {
    expect(parseFormBody('a=1&b[c]=2&b[d][]=x&b[d][]=y&e[1]=q&e[0]=p&f=a+b%26')).toEqual({
      a: '1',
      b: { c: '2', d: ['x', 'y'] },
      e: ['p', 'q'],
      f: 'a b&',
    });
    expect(parseFormBody('')).toEqual({});
    const polluted = parseFormBody('__proto__[polluted]=1') as Record<string, unknown>;
    expect(Object.getPrototypeOf(polluted)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['unbalanced open bracket', `${validForm}&parameters[currency=usd`, 'parameters[currency'],
    ['unbalanced close bracket', `${validForm}&parameters]currency[=usd`, 'parameters]currency['],
    ['doubled close bracket', `${validForm}&parameters[currency]]=usd`, 'parameters[currency]]'],
    ['brackets without a name', `${validForm}&[currency]=usd`, '[currency]'],
    ['nested brackets', `${validForm}&parameters[[currency]]=usd`, 'parameters[[currency]]'],
    ['a repeated scalar', `${validForm}&report_type=balance.summary.1`, 'report_type'],
    ['a repeated nested scalar', `${validForm}&parameters[interval_start]=${start}`, 'parameters[interval_start]'],
    ['a value that is also a container', `${validForm}&parameters=x`, 'parameters'],
    ['a list that is also an object', `${validForm}&parameters[columns][]=a&parameters[columns][x]=b`, 'parameters[columns][x]'],
    ['a list with a gap', `${validForm}&parameters[columns][1]=currency`, 'parameters[columns]'],
    ['[] before the end', `${validForm}&parameters[columns][][x]=a`, 'parameters[columns][][x]'],
    ['nesting deeper than allowed', `${validForm}&parameters${'[a]'.repeat(maxFormDepth + 1)}=1`, `parameters${'[a]'.repeat(maxFormDepth + 1)}`],
    ['a NUL in a value', `${validForm}&parameters[currency]=us%00d`, 'parameters[currency]'],
    ['broken percent-encoding', `${validForm}&parameters[currency]=%E0%A4%A`, 'parameters[currency]'],
    ['an unknown parameter', `${validForm}&colour=red`, 'colour'],
    ['an unknown report parameter', `${validForm}&parameters[payout]=po_1`, 'parameters[payout]'],
    ['a parameter the report does not take', `${validForm}&parameters[timezone]=Etc/UTC`, 'parameters[timezone]'],
    ['a prototype key', `${validForm}&parameters[__proto__]=1`, 'parameters[__proto__]'],
    ['an unknown report type', `report_type=nope.1&parameters[interval_start]=${start}&parameters[interval_end]=${end}`, 'report_type'],
    ['a missing report type', `parameters[interval_start]=${start}`, 'report_type'],
    ['a column the report lacks', `${validForm}&parameters[columns][]=nope`, 'parameters[columns]'],
  ])('refuse %s with a Stripe 400 naming it, storing nothing', async (_case, body, param) => {
    const before = await runCount();
    await expectStripeError(await send('/v1/reporting/report_runs', { body }), 400, param);
    expect(await runCount()).toBe(before);
  });
});

describe('Unix timestamps on the v1 face', () => {
  it.each([
    ['past year 9999', '253402300800'],
    ['far past any year', '99999999999999999999'],
    ['negative', '-1'],
    ['fractional', '1740787200.5'],
    ['not a number', 'soon'],
    ['an RFC 3339 string', '2025-03-01T00:00:00Z'],
    ['empty', ''],
    ['before the catalog supports (1970)', '0'],
    ['after the catalog supports (2200)', '7258118400'],
  ])('refuse an interval_start %s as a 400 naming it', async (_case, value) => {
    const body = `report_type=balance.summary.1&parameters[interval_start]=${encodeURIComponent(value)}&parameters[interval_end]=${end}`;
    await expectStripeError(await send('/v1/reporting/report_runs', { body }), 400, 'parameters[interval_start]');
  });

  it('refuse list bounds out of range or malformed, naming them', async () => {
    for (const [query, param] of [
      ['created[gte]=-5', 'created[gte]'],
      ['created[lt]=999999999999999', 'created[lt]'],
      ['created%5Bgt%5D=x', 'created[gt]'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['starting_after=frr_00000000000000000000000000', 'starting_after'],
      ['ending_before=nope', 'ending_before'],
      ['colour=red', 'colour'],
      ['limit=1&limit=2', 'limit'],
    ] as const) {
      await expectStripeError(await send(`/v1/reporting/report_runs?${query}`), 400, param);
    }
  });

  it('take the same body as JSON, and refuse JSON mistakes in the same envelope', async () => {
    const json = JSON.stringify({ report_type: 'balance.summary.1', parameters: { interval_start: start, interval_end: end } });
    const created = await send('/v1/reporting/report_runs', { body: json, contentType: 'application/json' });
    expect(created.status).toBe(200);
    const wrongType = JSON.stringify({ report_type: 'balance.summary.1', parameters: { interval_start: true, interval_end: end } });
    await expectStripeError(await send('/v1/reporting/report_runs', { body: wrongType, contentType: 'application/json' }), 400, 'parameters[interval_start]');
    const overflow = JSON.stringify({ report_type: 'balance.summary.1', parameters: { interval_start: 1e300, interval_end: end } });
    await expectStripeError(await send('/v1/reporting/report_runs', { body: overflow, contentType: 'application/json' }), 400, 'parameters[interval_start]');
    await expectStripeError(await send('/v1/reporting/report_runs', { body: '{"report_type":', contentType: 'application/json' }), 400);
    await expectStripeError(await send('/v1/reporting/report_runs', { body: 'x', contentType: 'text/plain' }), 415);
  });
});

describe('error envelopes, decided per face', () => {
  it('Stripe v1 routes answer auth, not-found and unknown routes in Stripe\'s envelope', async () => {
    const unauthenticated = await fetch(`${fixture.api.url}/v1/reporting/report_runs`);
    expect((await expectStripeError(unauthenticated, 401)).type).toBe('invalid_request_error');
    await expectStripeError(await send('/v1/reporting/report_runs/frr_00000000000000000000000000'), 404);
    await expectStripeError(await send('/v1/reporting/report_runs/reprun_00000000000000000000000000'), 404);
    await expectStripeError(await send('/v1/files/file_00000000000000000000000000/contents'), 404);
    await expectStripeError(await send('/v1/reporting/report_types/nope.1'), 404);
    await expectStripeError(await send('/v1/reporting/nothing_here'), 404);
    const reused = { 'idempotency-key': 'faces-hostile-reuse' };
    expect((await send('/v1/reporting/report_runs', { body: validForm, headers: reused })).status).toBe(200);
    const error = await expectStripeError(
      await send('/v1/reporting/report_runs', { body: `${validForm}&parameters[currency]=usd`, headers: reused }),
      422,
    );
    expect(error.type).toBe('idempotency_error');
  });

  it('every other route keeps RFC 9457, saved reports under /v1 included', async () => {
    await expectProblem(await send('/v1/reports/saved/report_00000000000000000000000000'), 404, 'saved_report_not_found');
    await expectProblem(await send('/v2/reporting/report_runs?colour=red'), 400, 'parameter_unknown', 'colour');
    await expectProblem(await send('/v2/reporting/report_runs', { body: validForm }), 415, 'unsupported_media_type');
    await expectProblem(await send('/v0/tasks/execute', { body: 'slug=x' }), 415, 'unsupported_media_type');
  });
});

describe("Airplane's face", () => {
  const execute = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${fixture.api.url}/v0/tasks/execute`, {
      method: 'POST',
      headers: { 'x-airplane-api-key': fixture.apiKey, 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const interval = { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-01T00:00:00Z' };

  it.each([
    ['an unknown task', { slug: 'nope.1', paramValues: interval }, 'report_not_found', 'slug'],
    ['a saved report that does not exist', { slug: 'report_00000000000000000000000000' }, 'report_not_found', 'slug'],
    ['an unknown parameter', { slug: 'balance.summary.1', paramValues: { ...interval, colour: 'red' } }, 'parameter_unknown', 'paramValues.colour'],
    ['a missing parameter', { slug: 'balance.summary.1', paramValues: { interval_start: interval.interval_start } }, 'parameter_missing', 'paramValues.interval_end'],
    ['an object value', { slug: 'balance.summary.1', paramValues: { ...interval, currency: { a: 1 } } }, 'parameter_invalid', 'paramValues.currency'],
    ['a boolean where text goes', { slug: 'balance.summary.1', paramValues: { ...interval, currency: true } }, 'parameter_invalid', 'paramValues.currency'],
    ['a timestamp out of range', { slug: 'balance.summary.1', paramValues: { ...interval, interval_start: 99_999_999_999_999 } }, 'parameter_invalid', 'paramValues.interval_start'],
    ['an unknown field', { slug: 'balance.summary.1', paramValues: interval, colour: 'red' }, 'parameter_invalid', 'colour'],
    ['a negative cache age', { slug: 'balance.summary.1', paramValues: interval, allowCachedMaxAge: -1 }, 'parameter_invalid', 'allowCachedMaxAge'],
  ])('refuses %s as a 400 problem naming it, storing nothing', async (_case, body, code, param) => {
    const before = await runCount();
    await expectProblem(await execute(body), 400, code, param);
    expect(await runCount()).toBe(before);
  });

  it('refuses missing or malformed ids and a wrong team, with HTTP status semantics', async () => {
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${fixture.api.url}${path}`, { headers: { 'x-airplane-api-key': fixture.apiKey, ...headers } });
    await expectProblem(await get('/v0/runs/get'), 400, 'parameter_invalid', 'id');
    await expectProblem(await get('/v0/runs/get?id=reprun_00000000000000000000000000'), 404, 'report_run_not_found');
    await expectProblem(await get('/v0/runs/getOutputs?id=x&extra=1'), 400, 'parameter_unknown', 'extra');
    await expectProblem(await get('/v0/runs/list?limit=0'), 400, 'parameter_invalid', 'limit');
    await expectProblem(await get('/v0/runs/list?page=-1'), 400, 'parameter_invalid', 'page');
    await expectProblem(await get('/v0/runs/list', { 'x-team-id': 'team_00000000000000000000000000' }), 404, 'team_not_found');
    await expectProblem(await get('/v0/runs/list', { 'x-airplane-api-key': 'rr_test_unknown' }), 401, 'api_key_invalid');
    await expectProblem(await get('/v0/runs/list', { 'x-airplane-api-key': 'two keys' }), 401, 'api_key_malformed');
    const cancel = await fetch(`${fixture.api.url}/v0/runs/cancel`, {
      method: 'POST',
      headers: { 'x-airplane-api-key': fixture.apiKey, 'content-type': 'application/json' },
      body: '{}',
    });
    await expectProblem(cancel, 400, 'parameter_invalid', 'runID');
  });
});
