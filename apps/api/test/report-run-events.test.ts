import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { defaultRunBody, lockLedger, startWorker, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';
import { startApiServer, type RunningApi } from '../src/index.ts';
import { expectProblem } from './api-fixtures.ts';
import { readEventStream, startSlowLine, type EventStreamReading } from './event-streams.ts';

const fixture = useTestFixture({
  database,
  team: 'Events team',
  otherTeam: true,
  // About 2.3 MB of CSV: through the slow line below, an export takes seconds, so progress is
  // written several times while it runs.
  seed: async (db) => {
    await database.seedLedger(db.pool, 20_000);
  },
  api: (environment) =>
    startApiServer(
      { ...environment.config, PORT: 0, EVENTS_POLL_INTERVAL_MS: 200, EVENTS_HEARTBEAT_SECONDS: 1 },
      createLogger('api-test', 'silent'),
    ),
});

let slowLine: Awaited<ReturnType<typeof startSlowLine>>;
let worker: ServiceProcess;

beforeAll(async () => {
  // The worker reads report data through a line delivering 1 MB/s; everything else is direct.
  const reports = new URL(fixture.environment.env.DATABASE_URL!);
  slowLine = await startSlowLine(Number(reports.port || 5432), 1_000_000);
  reports.port = String(slowLine.port);
  worker = await startWorker({ ...fixture.environment.env, REPORTS_DATABASE_URL: reports.toString() });
});

afterAll(async () => {
  await worker?.stop();
  await slowLine?.close();
});

const eventsUrl = (id: string) => `${fixture.api.url}/v2/reporting/report_runs/${id}/events`;
const auth = (key = fixture.apiKey) => ({ authorization: `Bearer ${key}` });
const runsOf = (reading: EventStreamReading) =>
  reading.events.map((event) => JSON.parse(event.data) as ReportRunResource);
const watcher = () => (fixture.api as RunningApi).runWatcher;

describe('a run as server-sent events', () => {
  for (const [name, resultOptions, contentType] of [
    ['CSV', { format: 'csv' }, 'csv'],
    ['JSON Lines', { format: 'json' }, 'json'],
    ['ZIP', { compress_file: true }, 'zip'],
  ] as const) {
    it(`a ${name} run's stream shows rows and bytes growing while it runs, then ends at succeeded`, async () => {
      const created = await fixture.client.createRun({ ...defaultRunBody, result_options: resultOptions });
      const reading = await readEventStream(eventsUrl(created.id), { headers: auth() });
      expect(reading.status).toBe(200);
      expect(reading.contentType).toMatch(/^text\/event-stream/);
      await reading.ended;

      const runs = runsOf(reading);
      const last = runs.at(-1)!;
      expect(last.status, JSON.stringify(last.status_details)).toBe('succeeded');
      expect(last.result!.file!.content_type).toBe(contentType);
      expect(runs.slice(0, -1).every((run) => run.status === 'running')).toBe(true);
      const total = last.result!.file!;
      expect(total.rows).toBe(20_000);

      const progress = runs
        .filter((run) => run.status_details.stage === 'uploading')
        .map((run) => ({ rows: run.status_details.rows as number, bytes: run.status_details.bytes as number }));
      // Counted as the data flowed: never backwards, never past the final count, and seen
      // at two or more points strictly between nothing and everything.
      for (const [index, point] of progress.entries()) {
        expect(point.rows).toBeLessThanOrEqual(total.rows);
        expect(point.bytes).toBeLessThanOrEqual(total.size);
        if (index > 0) {
          expect(point.rows).toBeGreaterThanOrEqual(progress[index - 1]!.rows);
          expect(point.bytes).toBeGreaterThanOrEqual(progress[index - 1]!.bytes);
        }
      }
      const midway = new Set(progress.filter((point) => point.rows > 0 && point.rows < total.rows).map((point) => point.rows));
      expect(midway.size, JSON.stringify(progress)).toBeGreaterThanOrEqual(2);
      // Each event's id names its state; no state is sent twice.
      const ids = reading.events.map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(reading.events.every((event) => event.event === 'report_run')).toBe(true);
    });
  }

  it('a client reconnecting with the id of the last state it saw is not sent that state again', async () => {
    const created = await fixture.client.createRun({ ...defaultRunBody, report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' } });
    await fixture.client.waitUntilEnded(created.id);
    const first = await readEventStream(eventsUrl(created.id), { headers: auth() });
    await first.ended;
    expect(runsOf(first).map((run) => run.status)).toEqual(['succeeded']);
    const again = await readEventStream(eventsUrl(created.id), { headers: { ...auth(), 'last-event-id': first.events[0]!.id! } });
    await again.ended;
    expect(again.status).toBe(200);
    expect(again.events).toEqual([]);
  });

  it('a canceled run\'s stream sends heartbeats while it waits, then ends at canceled', async () => {
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    try {
      const created = await fixture.client.createRun();
      const reading = await readEventStream(eventsUrl(created.id), { headers: auth() });
      await waitFor(async () => reading.comments.length, (count) => count >= 1, { timeoutMs: 20_000 });
      expect(runsOf(reading)[0]!.status).toBe('running');
      expect((await fixture.client.call('POST', `/v2/reporting/report_runs/${created.id}/cancel`)).status).toBe(200);
      await reading.ended;
      const last = runsOf(reading).at(-1)!;
      expect(last.status).toBe('canceled');
      expect(last.canceled_at).not.toBeNull();
    } finally {
      await lock.release();
    }
  });

  it('another team\'s run is 404, as if it did not exist, and an unknown key is 401', async () => {
    const created = await fixture.client.createRun();
    await expectProblem(await fetch(eventsUrl(created.id), { headers: auth(fixture.otherTeamKey) }), 404, 'report_run_not_found');
    await expectProblem(await fetch(eventsUrl(created.id), { headers: auth('rr_test_unknown') }), 401, 'api_key_invalid');
    await fixture.client.call('POST', `/v2/reporting/report_runs/${created.id}/cancel`);
  });

  it('a client that goes away frees what its stream held', async () => {
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    try {
      const created = await fixture.client.createRun();
      const before = watcher().listeners;
      const controller = new AbortController();
      const reading = await readEventStream(eventsUrl(created.id), { headers: auth(), signal: controller.signal });
      await waitFor(async () => reading.events.length, (count) => count >= 1);
      expect(watcher().listeners).toBe(before + 1);
      controller.abort();
      await reading.ended;
      await waitFor(async () => watcher().listeners, (count) => count === before, { timeoutMs: 10_000 });
      await fixture.client.call('POST', `/v2/reporting/report_runs/${created.id}/cancel`);
    } finally {
      await lock.release();
    }
  });
});
