import { describe, expect, it } from 'vitest';
import { idPrefix, newId, type ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue, enqueueReportRun } from '@reportrun/queue';
import { resolveRunTarget, runRecordOf } from '@reportrun/runner';
import { createReportRun } from '@reportrun/status';
import { useTestFixture, waitFor } from '@reportrun/testing';

/**
 * Saved reports are the commands schedules run: UUID ids (old `report_…` ids keep working),
 * either a query or a catalog report with fixed parameters, with fixed or relative time ranges.
 */
const fixture = useTestFixture({
  database,
  team: 'Commands team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 3_000);
  },
  api: true,
  worker: true,
});
const { call, getRun } = fixture.client;

const query = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-03-01T00:00:00Z', to: '2025-04-01T00:00:00Z' },
  dimensions: [{ field: 'currency' }],
  measures: [{ aggregate: 'count' }],
};
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ended = (run: ReportRunResource) => run.status !== 'running';

async function download(run: ReportRunResource): Promise<string> {
  const response = await fetch(run.result!.file!.download_url.url);
  expect(response.status).toBe(200);
  return response.text();
}

describe('saved reports as commands', () => {
  it('a catalog report saved with fixed parameters runs like the catalog report itself', async () => {
    const saved = await call('POST', '/v1/reports/saved', {
      name: 'EUR balance, March',
      catalog_report: {
        report: 'balance.summary.1',
        report_parameters: { interval_start: '2025-03-01T00:00:00+01:00', interval_end: '2025-04-01T00:00:00+02:00', currency: 'EUR' },
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.id).toMatch(uuid);
    expect(saved.body.query).toBeUndefined();
    expect(saved.body.catalog_report).toEqual({
      report: 'balance.summary.1',
      report_parameters: { interval_start: '2025-02-28T23:00:00.000Z', interval_end: '2025-03-31T22:00:00.000Z', currency: 'eur' },
    });

    const viaSaved = await call('POST', '/v2/reporting/report_runs', { report: saved.body.id });
    expect(viaSaved.status, JSON.stringify(viaSaved.body)).toBe(200);
    expect(viaSaved.body).toMatchObject({ report: saved.body.id, report_name: 'EUR balance, March' });
    const direct = await call('POST', '/v2/reporting/report_runs', {
      report: 'balance.summary.1',
      report_parameters: { interval_start: '2025-02-28T23:00:00Z', interval_end: '2025-03-31T22:00:00Z', currency: 'eur' },
    });
    const [a, b] = await Promise.all(
      [viaSaved.body.id as string, direct.body.id as string].map((id) => waitFor(() => getRun(id), ended, { timeoutMs: 120_000 })),
    );
    expect(a!.status).toBe('succeeded');
    expect(b!.status).toBe('succeeded');
    const [fileA, fileB] = await Promise.all([download(a!), download(b!)]);
    expect(fileA.split('\n').length).toBeGreaterThan(3);
    expect(fileA).toBe(fileB);

    // Its parameters are saved with it; a run cannot change them, nor run it synchronously.
    const refused = await call('POST', '/v2/reporting/report_runs', { report: saved.body.id, report_parameters: { currency: 'usd' } });
    expect(refused.status).toBe(400);
    expect(refused.body.param).toBe('report_parameters.currency');
    const sync = await call('POST', `/v1/reports/saved/${saved.body.id as string}/run`);
    expect(sync.status).toBe(409);
    expect(sync.body.code).toBe('saved_report_not_synchronous');
  });

  it('a relative time range is resolved when the run is made, in the zone of the range or of the schedule', async () => {
    const saved = await call('POST', '/v1/reports/saved', {
      name: 'Yesterday in Berlin',
      catalog_report: {
        report: 'balance_change_from_activity.itemized.1',
        report_parameters: { currency: 'usd' },
        time_range: { relative: 'previous_day', time_zone: 'Europe/Berlin' },
      },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.catalog_report).toMatchObject({ time_range: { relative: 'previous_day', time_zone: 'Europe/Berlin' } });

    // What a schedule firing on 2025-10-27 at 06:00 Berlin time would record: the 25-hour Sunday.
    const target = await resolveRunTarget(fixture.db.prisma, { reportId: saved.body.id as string, teamId: fixture.teamId, livemode: false });
    const record = runRecordOf(target, { at: new Date('2025-10-27T05:00:00Z'), timeZone: 'Europe/Berlin' });
    expect(record.reportParameters).toEqual({
      currency: 'usd',
      interval_start: '2025-10-25T22:00:00.000Z',
      interval_end: '2025-10-26T23:00:00.000Z',
    });
    // The same firing for a schedule in New York: that zone's calendar day.
    expect(runRecordOf(target, { at: new Date('2025-10-27T05:00:00Z'), timeZone: 'America/New_York' }).reportParameters).toMatchObject({
      interval_start: '2025-10-26T04:00:00.000Z',
      interval_end: '2025-10-27T04:00:00.000Z',
    });

    // Made through the API now: yesterday in Berlin, recorded on the run.
    const before = Date.now();
    const run = await call('POST', '/v2/reporting/report_runs', { report: saved.body.id });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const parameters = run.body.report_parameters as Record<string, string>;
    const hours = (Date.parse(parameters.interval_end!) - Date.parse(parameters.interval_start!)) / 3_600_000;
    expect([23, 24, 25]).toContain(hours);
    expect(Date.parse(parameters.interval_end!)).toBeLessThanOrEqual(before);
    expect(Date.parse(parameters.interval_end!)).toBeGreaterThan(before - 25 * 3_600_000);
  });

  it('a saved query with a relative range records the range on its run and uses it', async () => {
    const saved = await call('POST', '/v1/reports/saved', {
      name: 'Last 48 hours',
      query: { ...query, time_range: { relative: 'last_n_hours', n: 48 } },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect((saved.body.query as { time_range: unknown }).time_range).toEqual({ relative: 'last_n_hours', n: 48, time_zone: 'UTC' });
    const target = await resolveRunTarget(fixture.db.prisma, { reportId: saved.body.id as string, teamId: fixture.teamId, livemode: false });
    expect(runRecordOf(target, { at: new Date('2025-06-03T12:00:00Z') }).reportParameters).toEqual({
      interval_start: '2025-06-01T12:00:00.000Z',
      interval_end: '2025-06-03T12:00:00.000Z',
    });
    // A run made with that range (as a schedule would make it) exports exactly those rows.
    const record = runRecordOf(target, { at: new Date('2025-06-03T12:00:00Z') });
    const created = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: record.reportId,
      reportName: record.reportName,
      reportParameters: record.reportParameters,
      resultOptions: { format: 'json' },
      timeoutSeconds: 120,
      createdBy: 'test',
    });
    const redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'producer');
    const queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
    try {
      await enqueueReportRun(queue, created.id);
    } finally {
      await queue.close();
      redis.disconnect();
    }
    const run = await waitFor(() => getRun(created.id), ended, { timeoutMs: 120_000 });
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const rows = (await download(run)).trimEnd().split('\n').map((line) => JSON.parse(line) as { currency: string; count: number });
    const { rows: expected } = await fixture.db.pool.query<{ currency: string; count: number }>(
      `SELECT currency, count(*)::int AS count FROM dataset.balance_transactions
        WHERE created >= '2025-06-01T12:00:00Z' AND created < '2025-06-03T12:00:00Z' GROUP BY currency ORDER BY currency`,
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(rows).toEqual(expected);
  });

  it('reports saved before UUIDs keep their ids, run, and are listed after the newer ones', async () => {
    const legacyId = newId(idPrefix.report, Date.parse('2025-01-01T00:00:00Z'));
    await fixture.db.prisma.report.create({
      data: { id: legacyId, teamId: fixture.teamId, livemode: false, name: 'Old report', definition: query },
    });
    const fresh = await call('POST', '/v1/reports/saved', { name: 'New report', query });
    expect((await call('GET', `/v1/reports/saved/${legacyId}`)).status).toBe(200);
    const sync = await call('POST', `/v1/reports/saved/${legacyId}/run`);
    expect(sync.status).toBe(200);
    expect((sync.body.rows as unknown[]).length).toBeGreaterThan(0);
    const run = await call('POST', '/v2/reporting/report_runs', { report: legacyId });
    expect(run.status).toBe(200);

    const ids: string[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await call('GET', `/v1/reports/saved?limit=1${startingAfter ? `&starting_after=${startingAfter}` : ''}`);
      expect(page.status).toBe(200);
      const data = page.body.data as { id: string }[];
      ids.push(...data.map((report) => report.id));
      if (!page.body.has_more) break;
      startingAfter = data.at(-1)!.id;
    }
    expect(ids.indexOf(fresh.body.id as string)).toBeLessThan(ids.indexOf(legacyId));
    expect(ids.at(-1)).toBe(legacyId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses a bad command with a 400 naming the field, storing nothing', async () => {
    const before = await fixture.db.prisma.report.count();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', query, catalog_report: { report: 'balance.summary.1' } }, 'query'],
      [{ name: 'x' }, 'query'],
      [{ name: 'x', catalog_report: { report: 'no.such.report' } }, 'catalog_report.report'],
      [{ name: 'x', catalog_report: { report: 'balance.summary.1', report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-02-01T00:00:00Z', currency: 'euro' } } }, 'catalog_report.report_parameters.currency'],
      [{ name: 'x', catalog_report: { report: 'balance.summary.1', report_parameters: {} } }, 'catalog_report.report_parameters.interval_start'],
      [{ name: 'x', catalog_report: { report: 'balance.summary.1', report_parameters: { interval_start: '2025-01-01T00:00:00Z' }, time_range: { relative: 'previous_day' } } }, 'catalog_report.report_parameters.interval_start'],
      [{ name: 'x', catalog_report: { report: 'balance.summary.1', time_range: { relative: 'previous_day', time_zone: 'UTC+3' } } }, 'catalog_report.time_range.time_zone'],
      [{ name: 'x', query: { ...query, time_range: { relative: 'last_n_hours' } } }, 'query.time_range.n'],
      [{ name: 'x', query: { ...query, time_range: { relative: 'yesterday' } } }, 'query.time_range.relative'],
      [{ name: 'x', query: { ...query, time_range: { relative: 'previous_week', time_zone: 'Mars/Olympus' } } }, 'query.time_range.time_zone'],
      [{ name: 'x', query: { ...query, time_range: { from: '2025-01-01T00:00:00Z' } } }, 'query.time_range.to'],
    ];
    for (const [body, param] of cases) {
      const response = await call('POST', '/v1/reports/saved', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.param, JSON.stringify(response.body)).toBe(param);
    }
    expect(await fixture.db.prisma.report.count()).toBe(before);
  });
});
