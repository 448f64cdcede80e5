import { describe, expect, it } from 'vitest';
import type { ReportList, ReportResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue } from '@reportrun/queue';
import { useTestFixture } from '@reportrun/testing';
import { expectProblem, inProcessApi } from './api-fixtures.ts';

const fixture = useTestFixture({ database, team: 'Catalog team', liveKey: true, api: inProcessApi });

const get = (path: string, key = fixture.apiKey) => fetch(`${fixture.api.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
const createRun = (body: unknown) =>
  fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('GET /v2/reporting/reports', () => {
  it('lists the whole catalog on one page, in the v2 list shape', async () => {
    const response = await get('/v2/reporting/reports');
    expect(response.status).toBe(200);
    const list = (await response.json()) as ReportList;
    expect(list).toMatchObject({ object: 'list', next_page_url: null, previous_page_url: null });
    expect(list.data.map((report) => report.id).toSorted()).toEqual([
      'activity.daily.1',
      'balance.summary.1',
      'balance_change_from_activity.itemized.1',
      'balance_change_from_activity.summary.1',
      'payouts.itemized.1',
    ]);
    for (const report of list.data) {
      expect(report).toMatchObject({ object: 'v2.reporting.report', livemode: false, name: expect.any(String), description: expect.any(String) });
    }
  });

  it('refuses query parameters it does not take', async () => {
    await expectProblem(await get('/v2/reporting/reports?limit=2'), 400, 'parameter_unknown', 'limit');
  });

  it('needs an API key, and mirrors its mode', async () => {
    await expectProblem(await fetch(`${fixture.api.url}/v2/reporting/reports`), 401, 'api_key_missing');
    const list = (await (await get('/v2/reporting/reports', fixture.liveKey)).json()) as ReportList;
    expect(list.data.every((report) => report.livemode)).toBe(true);
  });
});

describe('GET /v2/reporting/reports/{id}', () => {
  it("describes a report's parameters the way Stripe's v2 Report does, and its columns", async () => {
    const response = await get('/v2/reporting/reports/activity.daily.1');
    expect(response.status).toBe(200);
    const report = (await response.json()) as ReportResource;
    const nothing = { array_details: null, enum_details: null, timestamp_details: null, default: null };
    expect(report.parameters).toEqual({
      interval_start: {
        ...nothing, type: 'timestamp', required: true, description: expect.any(String),
        timestamp_details: { min: '2000-01-01T00:00:00.000Z', max: '2100-01-01T00:00:00.000Z' },
      },
      interval_end: {
        ...nothing, type: 'timestamp', required: true, description: expect.any(String),
        timestamp_details: { min: '2000-01-01T00:00:00.000Z', max: '2100-01-01T00:00:00.000Z' },
      },
      timezone: { ...nothing, type: 'string', required: false, description: expect.any(String), default: 'Etc/UTC' },
      currency: { ...nothing, type: 'string', required: false, description: expect.any(String) },
      reporting_category: {
        ...nothing, type: 'enum', required: false, description: expect.any(String),
        enum_details: { allowed_values: ['adjustment', 'charge', 'payout', 'refund'] },
      },
      columns: {
        ...nothing, type: 'array', required: false, description: expect.any(String),
        array_details: {
          element_type: 'enum',
          enum_details: { allowed_values: ['date', 'bucket_start', 'bucket_end', 'currency', 'count', 'gross', 'fee', 'net'] },
        },
        default: ['date', 'bucket_start', 'bucket_end', 'currency', 'count', 'gross', 'fee', 'net'],
      },
    });
    expect(report.columns.map(({ name, kind, type }) => `${name}:${kind}:${type}`)).toEqual([
      'date:dimension:date', 'bucket_start:dimension:timestamp', 'bucket_end:dimension:timestamp',
      'currency:dimension:text', 'count:measure:integer', 'gross:measure:decimal', 'fee:measure:decimal',
      'net:measure:decimal',
    ]);
  });

  it('marks the columns a file has only when asked for', async () => {
    const report = (await (await get('/v2/reporting/reports/balance_change_from_activity.itemized.1')).json()) as ReportResource;
    expect(report.columns.filter((column) => !column.default).map((column) => column.name)).toEqual(['created', 'available_on']);
    expect(report.parameters.columns!.default).not.toContain('created');
  });

  it('is 404 report_not_found for a report that is not in the catalog', async () => {
    await expectProblem(await get('/v2/reporting/reports/balance.summary.9'), 404, 'report_not_found');
  });
});

describe('creating a run with parameters the report does not take', () => {
  const interval = { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-01T00:00:00Z' };

  it.each([
    ['an unknown parameter', 'balance.summary.1', { ...interval, timezone: 'Etc/UTC' }, 'parameter_unknown', 'report_parameters.timezone', 'no parameter'],
    ['a mistyped parameter', 'activity.daily.1', { ...interval, currency: 978 }, 'parameter_invalid', 'report_parameters.currency', 'must be a string'],
    ['an invalid time zone', 'activity.daily.1', { ...interval, timezone: 'Europe/Atlantis' }, 'parameter_invalid', 'report_parameters.timezone', 'Europe/Atlantis'],
    ['a column the report lacks', 'payouts.itemized.1', { ...interval, columns: ['payout_id', 'customer'] }, 'parameter_invalid', 'report_parameters.columns', "no column 'customer'"],
    ['a reporting category outside the allowed values', 'balance_change_from_activity.summary.1', { ...interval, reporting_category: 'fees' }, 'parameter_invalid', 'report_parameters.reporting_category', 'adjustment, charge, payout, refund'],
  ])('%s is a 400 naming it, and nothing is created or queued', async (_name, report, parameters, code, param, detail) => {
    const runsBefore = await fixture.db.prisma.reportRun.count();
    const problem = await expectProblem(await createRun({ report, report_parameters: parameters }), 400, code, param);
    expect(problem.detail).toContain(detail);
    expect(await fixture.db.prisma.reportRun.count()).toBe(runsBefore);
  });

  it('an unknown result format is a 400 naming result_options.format', async () => {
    await expectProblem(
      await createRun({ report: 'balance.summary.1', report_parameters: interval, result_options: { format: 'xlsx' } }),
      400,
      'parameter_invalid',
      'result_options.format',
    );
  });

  it('queues nothing for refused requests, while an accepted one is queued', async () => {
    const redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'worker');
    const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
    const jobCount = async () =>
      Object.values(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed')).reduce(
        (total, count) => total + count,
        0,
      );
    try {
      const jobsBefore = await jobCount();
      const runsBefore = await fixture.db.prisma.reportRun.count();
      for (const refused of [
        { report: 'balance.summary.1', report_parameters: { ...interval, timezone: 'Etc/UTC' } },
        { report: 'activity.daily.1', report_parameters: { ...interval, currency: 978 } },
        { report: 'payouts.itemized.1', report_parameters: { ...interval, columns: ['customer'] } },
        { report: 'balance.summary.1', report_parameters: interval, result_options: { format: 'xlsx' } },
        { report: 'balance.summary.9', report_parameters: interval },
      ]) {
        expect((await createRun(refused)).status).toBe(400);
      }
      expect(await jobCount()).toBe(jobsBefore);
      expect(await fixture.db.prisma.reportRun.count()).toBe(runsBefore);
      // The same counters see an accepted request, so the equalities above can fail.
      expect((await createRun({ report: 'balance.summary.1', report_parameters: interval })).status).toBe(200);
      expect(await jobCount()).toBe(jobsBefore + 1);
      expect(await fixture.db.prisma.reportRun.count()).toBe(runsBefore + 1);
    } finally {
      await queue.close();
      redis.disconnect();
    }
  });
});
