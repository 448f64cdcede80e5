import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportExport, ReportResult, ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { startWorker, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';
import { expectProblem, inProcessApi } from './api-fixtures.ts';
import { json, ledgerQuery, parseCsv, savedReportsClient } from './saved-report-fixtures.ts';

let worker: ServiceProcess | undefined;
let client: ReturnType<typeof savedReportsClient>;

const fixture = useTestFixture({
  database,
  team: 'Async saved reports',
  otherTeam: true,
  seed: async (db) => {
    await database.seedLedger(db.pool, 20_000);
  },
  api: inProcessApi,
});

beforeAll(() => {
  client = savedReportsClient(fixture.api.url, fixture.apiKey);
});

/** The worker runs as its own process, as in production; started by the first test that needs it. */
async function ensureWorker(): Promise<void> {
  worker ??= await startWorker(fixture.environment.env);
}

afterAll(async () => {
  await worker?.stop();
});

function createRun(body: unknown, key = fixture.apiKey): Promise<Response> {
  return fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function finishedRun(id: string): Promise<ReportRunResource> {
  return waitFor(
    async () =>
      json<ReportRunResource>(
        await fetch(`${fixture.api.url}/v2/reporting/report_runs/${id}`, {
          headers: { authorization: `Bearer ${fixture.apiKey}` },
        }),
      ),
    (run) => run.status !== 'running',
  );
}

/** Awkward text (quotes, line breaks, formula prefixes, NULL) as a dimension, and signed sums. */
const awkwardQuery = ledgerQuery({
  time_range: { from: '2025-05-01T00:00:00Z', to: '2025-07-01T00:00:00Z' },
  dimensions: [
    { field: 'description' },
    { field: 'currency' },
    { field: 'created', grain: 'month', time_zone: 'Europe/Berlin' },
  ],
  measures: [{ aggregate: 'count' }, { aggregate: 'sum', field: 'net' }, { aggregate: 'avg', field: 'fee' }],
  order_by: [{ field: 'sum_net', direction: 'desc' }],
});

describe('a saved report run through the async path', () => {
  it('a run whose saved report was deleted before a worker reached it fails as report_not_found', async () => {
    // Queued while no worker runs; the report is gone when one starts.
    const saved = await client.save('Short-lived', awkwardQuery);
    const created = await json<ReportRunResource>(await createRun({ report: saved.id }));
    await json(await client.remove(saved.id));
    await ensureWorker();
    const run = await finishedRun(created.id);
    expect(run.status).toBe('failed');
    expect(run.status_details).toMatchObject({ code: 'report_not_found', retryable: false });
  });

  it('a worker runs it, and its CSV holds exactly the rows of the synchronous export', async () => {
    await ensureWorker();
    const saved = await client.save('Monthly by description', awkwardQuery);
    const created = await json<ReportRunResource>(await createRun({ report: saved.id }));
    expect(created).toMatchObject({
      report: saved.id,
      report_name: 'Monthly by description',
      report_parameters: {},
      status: 'running',
    });

    const run = await finishedRun(created.id);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const file = run.result!.file!;
    expect(file.content_type).toBe('csv');
    const asyncCsv = await (await fetch(file.download_url.url)).text();

    const syncExport = await json<ReportExport>(await client.export(saved.id, { format: 'csv' }));
    const asyncRows = parseCsv(asyncCsv);
    const syncRows = parseCsv(syncExport.content);
    expect(syncRows.length).toBeGreaterThan(20);
    expect(asyncRows).toEqual(syncRows);
    expect(file.rows).toBe(syncRows.length - 1);
    // Record ends differ (COPY writes LF, the export RFC 4180's CRLF); the cells are the same
    // text, quoting and formula neutralisation included.
    expect(asyncCsv.startsWith('description,currency,created_month,count,sum_net,avg_fee\n')).toBe(true);
    expect(asyncCsv).toContain('\'=HYPERLINK(""http://example.invalid"",""click"")"');
  });

  it("a JSON Lines result carries the synchronous run's rows", async () => {
    await ensureWorker();
    const saved = await client.save('As JSON', awkwardQuery);
    const created = await json<ReportRunResource>(
      await createRun({ report: saved.id, result_options: { format: 'json' } }),
    );
    const run = await finishedRun(created.id);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const lines = (await (await fetch(run.result!.file!.download_url.url)).text()).trimEnd().split('\n');
    const syncRun = await json<ReportResult>(await client.run(saved.id));
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual(syncRun.rows);
  });

  it("a saved report takes no parameters, and another team's is an unknown report", async () => {
    const saved = await client.save('Parameterless', awkwardQuery);
    await expectProblem(
      await createRun({ report: saved.id, report_parameters: { interval_start: '2025-01-01T00:00:00Z' } }),
      400,
      'parameter_unknown',
      'report_parameters.interval_start',
    );
    await expectProblem(
      await createRun({ report: saved.id }, fixture.otherTeamKey),
      400,
      'report_not_found',
      'report',
    );
  });
});
