import express from 'express';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '@reportrun/config';
import { idPrefix, newId, newUuid } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { maxJsonDepth } from '../src/http/json-body.ts';
import { postgresSqlState, problemErrorHandler } from '../src/http/problem.ts';
import { expectProblem, inProcessApi } from './api-fixtures.ts';

/**
 * Input that once made the API answer 500 — undecodable paths, NUL, dates Postgres cannot
 * store, bodies deep enough to overflow the stack — is the caller's mistake and gets a 400
 * problem naming it; and a database data error that slips past every check is still a 400,
 * while a real fault stays a logged 500.
 */

let runId: string;
let savedReportId: string;

const fixture = useTestFixture({ database, team: 'Hostile input team', api: inProcessApi });

const savedQuery = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
  measures: [{ aggregate: 'count' }],
};

function request(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
  return fetch(`${fixture.api.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${fixture.apiKey}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body } : {}),
  });
}

beforeAll(async () => {
  const run = await request(
    'POST',
    '/v2/reporting/report_runs',
    JSON.stringify({
      report: 'balance.summary.1',
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
    }),
  );
  expect(run.status).toBe(200);
  runId = ((await run.json()) as { id: string }).id;
  const saved = await request('POST', '/v1/reports/saved', JSON.stringify({ name: 'Counts', query: savedQuery }));
  expect(saved.status).toBe(201);
  savedReportId = ((await saved.json()) as { id: string }).id;
});

/** Every route with an id in its path, as a client calls it. */
const idRoutes: [method: string, template: string][] = [
  ['GET', '/v2/reporting/report_runs/{id}'],
  ['POST', '/v2/reporting/report_runs/{id}/cancel'],
  ['GET', '/v2/reporting/reports/{id}'],
  ['GET', '/v1/reports/saved/{id}'],
  ['PATCH', '/v1/reports/saved/{id}'],
  ['DELETE', '/v1/reports/saved/{id}'],
  ['POST', '/v1/reports/saved/{id}/run'],
  ['POST', '/v1/reports/saved/{id}/export'],
];

describe('ids in the path', () => {
  it.each(['%E0%A4%A', '%', '%ff%fe', '%ED%A0%80', '%zz'])(
    'malformed percent-encoding (%s) is 400 invalid_path_encoding on every {id} route',
    async (raw) => {
      for (const [method, template] of idRoutes) {
        const body = method === 'PATCH' ? '{"name":"x"}' : undefined;
        await expectProblem(await request(method, template.replace('{id}', raw), body), 400, 'invalid_path_encoding', 'path');
      }
    },
  );

  it.each(['a%00b', '%00', 'report_%00'])('NUL (%s) is 400 parameter_invalid on every {id} route', async (raw) => {
    for (const [method, template] of idRoutes) {
      const body = method === 'PATCH' ? '{"name":"x"}' : undefined;
      const problem = await expectProblem(await request(method, template.replace('{id}', raw), body), 400, 'parameter_invalid', 'path');
      expect(problem.detail).toContain('NUL');
    }
  });

  it('well-formed ids still work, and well-formed unknown ones are 404', async () => {
    expect((await request('GET', `/v2/reporting/report_runs/${runId}`)).status).toBe(200);
    expect((await request('GET', `/v1/reports/saved/${savedReportId}`)).status).toBe(200);
    await expectProblem(await request('GET', '/v1/reports/saved/%E2%9C%93'), 404, 'saved_report_not_found');
  });
});

describe('query strings', () => {
  it('NUL in a cursor or filter is 400 naming the parameter', async () => {
    await expectProblem(await request('GET', '/v1/reports/saved?starting_after=%00'), 400, 'parameter_invalid', 'starting_after');
    await expectProblem(await request('GET', '/v2/reporting/report_runs?report=a%00b'), 400, 'parameter_invalid', 'report');
  });

  it('invalid UTF-8 or a broken escape in a query value is 400 invalid_query_encoding', async () => {
    await expectProblem(await request('GET', '/v2/reporting/report_runs?report=%ff'), 400, 'invalid_query_encoding', 'report');
    await expectProblem(await request('GET', '/v1/reports/saved?starting_after=%E0%A4%A'), 400, 'invalid_query_encoding', 'starting_after');
  });

  it.each([
    ['year 0', '0000-01-01T00:00:00Z'],
    ['a year before 1', '-000001-01-01T00:00:00Z'],
    ['five-digit years', '10000-01-01T00:00:00Z'],
    ['an instant past 9999 in UTC', '9999-12-31T23:59:59-05:00'],
    ['February 30', '2025-02-30T00:00:00Z'],
  ])('a timestamp Postgres cannot store (%s) is 400 naming its bound', async (_name, value) => {
    for (const bound of ['created[gte]', 'created[gt]', 'created[lte]', 'created[lt]']) {
      await expectProblem(await request('GET', `/v2/reporting/report_runs?${bound}=${value}`), 400, 'parameter_invalid', bound);
    }
  });

  it('the first and last storable instants are accepted', async () => {
    const response = await request('GET', '/v2/reporting/report_runs?created[gte]=0001-01-01T00:00:00Z&created[lte]=9999-12-31T23:59:59.999Z');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { id: string }[] }).data.map((run) => run.id)).toEqual([runId]);
  });
});

describe('list cursors', () => {
  it.each(['zzz', 'report_', `${'report_'}${'0'.repeat(27)}`, 'reprun_00000000000000000000000000'])(
    'a malformed saved-report cursor (%s) is 400, not an ignored cursor',
    async (cursor) => {
      await expectProblem(await request('GET', `/v1/reports/saved?starting_after=${cursor}`), 400, 'parameter_invalid', 'starting_after');
    },
  );

  it('a malformed run page token is 400', async () => {
    for (const token of ['zzz', 'e30', '%2B%2F', Buffer.from('{"v":1}').toString('base64url')]) {
      await expectProblem(await request('GET', `/v2/reporting/report_runs?page=${token}`), 400, 'parameter_invalid', 'page');
    }
  });

  it('page tokens whose position cannot be stored, or whose page size is absurd, are 400', async () => {
    const token = (after: unknown, limit = 10) =>
      Buffer.from(JSON.stringify({ v: 1, filters: {}, limit, direction: 'older', after })).toString('base64url');
    const known = { created: '2025-01-01T00:00:00Z', id: newId(idPrefix.reportRun) };
    for (const bad of [
      token({ ...known, id: 'a\u0000b' }),
      token({ ...known, created: '0000-01-01T00:00:00Z' }),
      token(known, 1_000_000_000),
      token(known, -5),
    ]) {
      await expectProblem(await request('GET', `/v2/reporting/report_runs?page=${bad}`), 400, 'parameter_invalid', 'page');
    }
  });

  it('both lists treat a well-formed id that no longer exists as a position, the same way', async () => {
    // Ids sort by creation time: a cursor from the future continues after every object there is.
    const future = Date.now() + 60_000;
    const savedResponse = await request('GET', `/v1/reports/saved?starting_after=${newUuid(future)}`);
    expect(savedResponse.status).toBe(200);
    expect(((await savedResponse.json()) as { data: { id: string }[] }).data.map((report) => report.id)).toEqual([savedReportId]);
    const page = Buffer.from(
      JSON.stringify({
        v: 1,
        filters: {},
        limit: 10,
        direction: 'older',
        after: { created: new Date(future).toISOString(), id: newId(idPrefix.reportRun, future) },
      }),
    ).toString('base64url');
    const runsResponse = await request('GET', `/v2/reporting/report_runs?page=${page}`);
    expect(runsResponse.status).toBe(200);
    expect(((await runsResponse.json()) as { data: { id: string }[] }).data.map((run) => run.id)).toEqual([runId]);
  });
});

describe('JSON bodies', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  it(`a body nested deeper than ${maxJsonDepth} levels is 400 body_too_deep, with or without an Idempotency-Key`, async () => {
    for (const headers of [{}, { 'idempotency-key': 'deep-body' }] as Record<string, string>[]) {
      await expectProblem(await request('POST', '/v2/reporting/report_runs', nested(6000), headers), 400, 'body_too_deep', 'body');
      const objects = `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`;
      await expectProblem(await request('POST', '/v1/reports/saved', objects, headers), 400, 'body_too_deep', 'body');
      await expectProblem(await request('POST', '/v2/reporting/report_runs', `{"report":${nested(maxJsonDepth)}}`, headers), 400, 'body_too_deep', 'body');
    }
  });

  it('brackets inside strings do not count as nesting', async () => {
    const name = `${'['.repeat(90)}\\"${'{'.repeat(90)}`;
    const response = await request('POST', '/v1/reports/saved', `{"name":"${name}","query":${JSON.stringify(savedQuery)}}`);
    expect(response.status, await response.clone().text()).toBe(201);
  });

  it('a body at the limit is parsed and validated as usual', async () => {
    await expectProblem(
      await request('POST', '/v2/reporting/report_runs', `{"report":${nested(maxJsonDepth - 1)}}`),
      400,
      'parameter_invalid',
      'report',
    );
  });

  it('NUL or a lone surrogate anywhere in a body is 400 naming where', async () => {
    const runBody = (parameters: unknown) => JSON.stringify({ report: 'balance.summary.1', report_parameters: parameters });
    await expectProblem(await request('POST', '/v2/reporting/report_runs', runBody({ currency: 'us\u0000d' })), 400, 'parameter_invalid', 'report_parameters.currency');
    await expectProblem(await request('POST', '/v2/reporting/report_runs', runBody({ 'a\u0000': 1 })), 400, 'parameter_invalid', 'report_parameters');
    await expectProblem(await request('POST', '/v2/reporting/report_runs', runBody({ currency: '\ud800' })), 400, 'parameter_invalid', 'report_parameters.currency');
    await expectProblem(await request('PATCH', `/v1/reports/saved/${savedReportId}`, JSON.stringify({ name: ['ok', '\u0000'] })), 400, 'parameter_invalid', 'name[1]');
  });

  it('a saved query over a time range Postgres cannot store is 400 naming the bound', async () => {
    const query = { ...savedQuery, time_range: { from: '0000-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' } };
    await expectProblem(await request('POST', '/v1/reports/saved', JSON.stringify({ name: 'Year zero', query })), 400, 'parameter_invalid', 'query.time_range.from');
  });
});

describe('the error handler', () => {
  async function serve(failure: () => Promise<unknown>) {
    const logger = createLogger('api-test', 'silent');
    const warn = vi.spyOn(logger, 'warn');
    const error = vi.spyOn(logger, 'error');
    const app = express();
    app.get('/fail', async () => {
      await failure();
    });
    app.use(problemErrorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      return { response: await fetch(`http://127.0.0.1:${port}/fail`), warn, error };
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('reads the SQLSTATE from Prisma and node-postgres errors alike', async () => {
    const prismaError = await fixture.db.prisma.report.findFirst({ where: { id: 'a\u0000b' } }).catch((caught: unknown) => caught);
    expect(postgresSqlState(prismaError)).toBe('22021');
    const pgError = await fixture.db.pool.query("SELECT 'x'::timestamptz").catch((caught: unknown) => caught);
    expect(postgresSqlState(pgError)).toBe('22007');
    expect(postgresSqlState(new Error('plain'))).toBeUndefined();
  });

  it('maps a database data error that slipped past validation to 400 invalid_value, and warns', async () => {
    const { response, warn, error } = await serve(() =>
      fixture.db.prisma.reportRun.findFirst({ where: { createdAt: { gte: new Date('0000-01-01T00:00:00Z') } } }),
    );
    const problem = await expectProblem(response, 400, 'invalid_value');
    expect(problem.sqlstate).toBe('22008');
    expect(warn).toHaveBeenCalledOnce();
    expect(error).not.toHaveBeenCalled();
  });

  it('answers 503 with Retry-After when the database cannot be reached: refused, lost mid-query, through Prisma or node-postgres', async () => {
    // A port nothing listens on: the connection is refused.
    const closed = database.createDatabase('postgresql://postgres@127.0.0.1:1/nowhere', { max: 1, connectionTimeoutMillis: 2000 });
    try {
      for (const failure of [() => closed.pool.query('SELECT 1'), () => closed.prisma.reportRun.findFirst()]) {
        const { response, warn, error } = await serve(failure);
        const problem = await expectProblem(response, 503, 'service_unavailable');
        expect(problem.retry_after_seconds).toBe(5);
        expect(response.headers.get('retry-after')).toBe('5');
        expect(warn).toHaveBeenCalledOnce();
        expect(error).not.toHaveBeenCalled();
      }
    } finally {
      await closed.close().catch(() => {});
    }
    // A connection the server ends while it runs a query (a restart, a failover).
    const doomed = database.createPool(fixture.environment.config.DATABASE_URL, { max: 1 });
    try {
      const { response } = await serve(async () => {
        const client = await doomed.connect();
        // The ended connection also reports itself as the client's own error event.
        client.on('error', () => {});
        try {
          const running = client.query('SELECT pg_sleep(10)');
          running.catch(() => {}); // it fails while the terminate is awaited; awaited below
          await new Promise((resolve) => setTimeout(resolve, 200));
          await fixture.db.pool.query('SELECT pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
          await running;
        } finally {
          client.release(true);
        }
      });
      await expectProblem(response, 503, 'service_unavailable');
    } finally {
      await doomed.end();
    }
  });

  it('keeps a real fault a logged 500', async () => {
    const { response, error } = await serve(() => fixture.db.pool.query('SELECT * FROM no_such_table'));
    await expectProblem(response, 500, 'internal_error');
    expect(error).toHaveBeenCalledOnce();
  });
});
