import { describe, expect, it } from 'vitest';
import { createLogger, loadConfig } from '@reportrun/config';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { useTestFixture } from '@reportrun/testing';
import { startApiServer } from '../src/index.ts';
import { inProcessApi } from './api-fixtures.ts';

const fixture = useTestFixture({ database, team: 'Problem team', liveKey: true, otherTeam: true, api: inProcessApi });

const validBody = {
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
};

function post(path: string, body: string, headers: Record<string, string> = {}) {
  return fetch(`${fixture.api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

async function expectProblem(response: Response, status: number, code: string, param?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = (await response.json()) as Record<string, unknown>;
  expect(problem).toMatchObject({ status, code, type: expect.stringContaining(code), title: expect.any(String) });
  expect(typeof problem.detail).toBe('string');
  expect(typeof problem.instance).toBe('string');
  if (param) expect(problem.param).toBe(param);
  return problem;
}

async function runCount() {
  return fixture.db.prisma.reportRun.count();
}

describe('every bad request gets an RFC 9457 problem and changes nothing', () => {
  it('malformed JSON is 400 invalid_json', async () => {
    await expectProblem(await post('/v2/reporting/report_runs', '{"report": '), 400, 'invalid_json');
  });

  it('a body that is not JSON is 415 unsupported_media_type', async () => {
    await expectProblem(
      await post('/v2/reporting/report_runs', 'report=x', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      'unsupported_media_type',
    );
  });

  it('an oversized body is 413 payload_too_large', async () => {
    const huge = JSON.stringify({ ...validBody, padding: 'x'.repeat(200_000) });
    await expectProblem(await post('/v2/reporting/report_runs', huge), 413, 'payload_too_large');
  });

  it('an unknown route is 404 route_not_found', async () => {
    const response = await fetch(`${fixture.api.url}/v2/reporting/nothing_here`, { headers: { authorization: `Bearer ${fixture.apiKey}` } });
    await expectProblem(response, 404, 'route_not_found');
  });

  it('an unknown run is 404 report_run_not_found', async () => {
    const response = await fetch(`${fixture.api.url}/v2/reporting/report_runs/reprun_00000000000000000000000000`, {
      headers: { authorization: `Bearer ${fixture.apiKey}` },
    });
    await expectProblem(response, 404, 'report_run_not_found');
  });

  it('a missing, malformed or unknown API key is 401', async () => {
    const none = await fetch(`${fixture.api.url}/v2/reporting/report_runs/x`);
    await expectProblem(none, 401, 'api_key_missing');
    const malformed = await fetch(`${fixture.api.url}/v2/reporting/report_runs/x`, { headers: { authorization: 'Basic abc' } });
    await expectProblem(malformed, 401, 'api_key_malformed');
    const unknown = await fetch(`${fixture.api.url}/v2/reporting/report_runs/x`, { headers: { authorization: 'Bearer rr_test_nope' } });
    await expectProblem(unknown, 401, 'api_key_invalid');
  });

  it.each([
    ['a missing interval_start', { interval_end: '2025-01-02T00:00:00Z' }, 'parameter_missing', 'report_parameters.interval_start'],
    ['an interval that ends before it starts', { interval_start: '2025-01-02T00:00:00Z', interval_end: '2025-01-01T00:00:00Z' }, 'parameter_invalid', 'report_parameters.interval_end'],
    ['an empty interval', { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-01T00:00:00Z' }, 'parameter_invalid', 'report_parameters.interval_end'],
    ['a timestamp without an offset', { interval_start: '2025-01-01T00:00:00', interval_end: '2025-01-02T00:00:00Z' }, 'parameter_invalid', 'report_parameters.interval_start'],
    ['a date that does not exist', { interval_start: '2025-02-30T00:00:00Z', interval_end: '2025-03-02T00:00:00Z' }, 'parameter_invalid', 'report_parameters.interval_start'],
    ['a number for a timestamp', { interval_start: 1735689600, interval_end: '2025-01-02T00:00:00Z' }, 'parameter_invalid', 'report_parameters.interval_start'],
    ['an invalid currency', { ...validBody.report_parameters, currency: 'dollars' }, 'parameter_invalid', 'report_parameters.currency'],
    ['an unknown parameter', { ...validBody.report_parameters, region: 'eu' }, 'parameter_unknown', 'report_parameters.region'],
  ])('%s is a 400 naming the parameter, and nothing is created', async (_name, parameters, code, param) => {
    const before = await runCount();
    const response = await post('/v2/reporting/report_runs', JSON.stringify({ ...validBody, report_parameters: parameters }));
    await expectProblem(response, 400, code, param);
    expect(await runCount()).toBe(before);
  });

  it('an unknown report, an unknown field and a mistyped option are 400s naming them', async () => {
    await expectProblem(await post('/v2/reporting/report_runs', JSON.stringify({ ...validBody, report: 'nope.1' })), 400, 'report_not_found', 'report');
    await expectProblem(await post('/v2/reporting/report_runs', JSON.stringify({ ...validBody, color: 'red' })), 400, 'parameter_invalid', 'color');
    await expectProblem(
      await post('/v2/reporting/report_runs', JSON.stringify({ ...validBody, result_options: { compress_file: 'yes' } })),
      400,
      'parameter_invalid',
      'result_options.compress_file',
    );
    for (const notAnObject of ['[1, 2]', 'null', '"text"', '42']) {
      await expectProblem(await post('/v2/reporting/report_runs', notAnObject), 400, 'parameter_invalid', 'body');
    }
  });

  it('invalid requests enqueue nothing', async () => {
    const redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'worker');
    const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
    try {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      // The only jobs are those of valid runs created by this file's tests.
      expect(counts.waiting! + counts.active! + counts.delayed!).toBe(await runCount());
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });

  it("another team's run, or the other mode's, is 404 as if it did not exist", async () => {
    const created = await post('/v2/reporting/report_runs', JSON.stringify(validBody));
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    for (const foreign of [fixture.otherTeamKey, fixture.liveKey]) {
      const response = await fetch(`${fixture.api.url}/v2/reporting/report_runs/${id}`, { headers: { authorization: `Bearer ${foreign}` } });
      await expectProblem(response, 404, 'report_run_not_found');
    }
    const own = await fetch(`${fixture.api.url}/v2/reporting/report_runs/${id}`, { headers: { authorization: `Bearer ${fixture.apiKey}` } });
    expect(own.status).toBe(200);
  });

  it('when the queue is unreachable, creating a run is 503 with retry advice and the run is not left hanging', async () => {
    const config = loadConfig({ ...fixture.environment.env, REDIS_URL: 'redis://127.0.0.1:1' });
    const offline = await startApiServer({ ...config, PORT: 0 }, createLogger('api-test', 'silent'));
    try {
      const response = await fetch(`${offline.url}/v2/reporting/report_runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(validBody),
      });
      const problem = await expectProblem(response, 503, 'service_unavailable');
      expect(problem.retry_after_seconds).toBeGreaterThan(0);
      expect(response.headers.get('retry-after')).toBe(String(problem.retry_after_seconds));
      const stranded = await fixture.db.prisma.reportRun.count({ where: { status: 'running', statusDetails: { equals: { stage: 'queued' } } } });
      const failed = await fixture.db.prisma.reportRun.findFirst({ where: { status: 'failed' } });
      expect(failed?.statusDetails).toMatchObject({ code: 'enqueue_failed' });
      expect(stranded).toBe(await runCount() - 1);
    } finally {
      await offline.close();
    }
  });
});
