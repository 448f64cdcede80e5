import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { createRedisConnection, createReportRunQueue, type ReportRunQueue } from '@reportrun/queue';
import { useTestFixture } from '@reportrun/testing';
import type { Redis } from 'ioredis';
import { expectProblem, inProcessApi } from './api-fixtures.ts';

let redis: Redis;
let queue: ReportRunQueue;

const fixture = useTestFixture({ database, team: 'Idempotent team', liveKey: true, otherTeam: true, api: inProcessApi });

beforeAll(() => {
  const { environment } = fixture;
  redis = createRedisConnection(environment.config.REDIS_URL, 'worker');
  queue = createReportRunQueue(redis, environment.config.QUEUE_PREFIX);
});

afterAll(async () => {
  await queue?.close();
  redis?.disconnect();
});

const body = {
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-02T00:00:00Z' },
};

function create(payload: unknown, idempotencyKey: string | undefined, apiKey = fixture.apiKey) {
  return fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function queuedJobs(): Promise<number> {
  const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

const runCount = () => fixture.db.prisma.reportRun.count();

describe('Idempotency-Key on POST /v2/reporting/report_runs', () => {
  it('the same key fired 20 times at once creates one run and queues one job; every caller gets that run', async () => {
    const key = randomUUID();
    const [runsBefore, jobsBefore] = [await runCount(), await queuedJobs()];
    const responses = await Promise.all(Array.from({ length: 20 }, () => create(body, key)));
    const texts = await Promise.all(responses.map((response) => response.text()));

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(new Set(texts).size).toBe(1);
    const run = JSON.parse(texts[0]!) as ReportRunResource;
    expect(run.id).toMatch(/^reprun_/);
    // One request did the work; the other 19 waited for it and were answered with its response.
    const replayed = responses.filter((response) => response.headers.get('idempotent-replayed') === 'true');
    expect(replayed).toHaveLength(19);

    expect(await runCount()).toBe(runsBefore + 1);
    expect(await queuedJobs()).toBe(jobsBefore + 1);
    expect(await queue.getJob(run.id)).toBeDefined();
  });

  it('a retry gets the original response byte for byte, even after the run has moved on', async () => {
    const key = randomUUID();
    const first = await create(body, key);
    const firstText = await first.text();
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const { id } = JSON.parse(firstText) as ReportRunResource;
    await fixture.db.prisma.reportRun.update({ where: { id }, data: { status: 'failed', failedAt: new Date() } });

    // Same body with keys in another order and other spacing: still the same request.
    const reordered = `{ "report_parameters": { "interval_end": "2025-01-02T00:00:00Z", "interval_start": "2025-01-01T00:00:00Z" },
                         "report": "balance_change_from_activity.itemized.1" }`;
    const jobsBefore = await queuedJobs();
    const retry = await create(reordered, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await retry.text()).toBe(firstText);
    expect(await queuedJobs()).toBe(jobsBefore);
  });

  it('the same key with a different body is 422 idempotency_key_reused and creates nothing', async () => {
    const key = randomUUID();
    expect((await create(body, key)).status).toBe(200);
    const before = await runCount();
    const other = { ...body, result_options: { compress_file: true } };
    const problem = await expectProblem(await create(other, key), 422, 'idempotency_key_reused');
    expect(problem.allowed_actions).toEqual(
      expect.arrayContaining([expect.objectContaining({ rel: 'retry-with-new-key' })]),
    );
    expect(await runCount()).toBe(before);
  });

  it('keys belong to a team and a mode: the same key elsewhere is a different key', async () => {
    const key = randomUUID();
    const ids = new Set<string>();
    for (const apiKey of [fixture.apiKey, fixture.liveKey, fixture.otherTeamKey]) {
      const response = await create(body, key, apiKey);
      expect(response.status).toBe(200);
      expect(response.headers.get('idempotent-replayed')).toBeNull();
      ids.add(((await response.json()) as ReportRunResource).id);
    }
    expect(ids.size).toBe(3);
  });

  it('after 24 hours a key is forgotten and may name a new request', async () => {
    const key = randomUUID();
    const first = (await (await create(body, key)).json()) as ReportRunResource;
    // Age the key past its retention instead of waiting a day.
    await fixture.db.pool.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '24 hours 1 second' WHERE team_id = $1 AND key = $2`,
      [fixture.teamId, key],
    );
    const other = { ...body, result_options: { compress_file: true } };
    const second = await create(other, key);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    const secondRun = (await second.json()) as ReportRunResource;
    expect(secondRun.id).not.toBe(first.id);
    expect(secondRun.result_options).toEqual({ compress_file: true, format: 'csv', escape_formulas: true });
    // …and is remembered again from now on.
    await expectProblem(await create(body, key), 422, 'idempotency_key_reused');
  });

  it('a key just short of 24 hours old is still remembered', async () => {
    const key = randomUUID();
    const first = await (await create(body, key)).text();
    await fixture.db.pool.query(
      `UPDATE idempotency_keys SET created_at = now() - interval '23 hours 59 minutes' WHERE team_id = $1 AND key = $2`,
      [fixture.teamId, key],
    );
    expect(await (await create(body, key)).text()).toBe(first);
  });

  it('a request that fails gives its key back, so the corrected request may use it', async () => {
    const key = randomUUID();
    const before = await runCount();
    await expectProblem(await create({ ...body, report: 'no.such.report' }, key), 400, 'report_not_found');
    await expectProblem(await create('{"report": ', key), 400, 'invalid_json');
    expect(await runCount()).toBe(before);
    const corrected = await create(body, key);
    expect(corrected.status).toBe(200);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
    expect(await runCount()).toBe(before + 1);
  });

  it('a retry while the first request is still running waits for its response, or gets 409 to retry later', async () => {
    const key = randomUUID();
    const original = await (await create(body, key)).text();
    // Put the key back into the state it has while its first request is still being handled.
    const inProgress = `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL, completed_at = NULL,
                               locked_by = 'another-request', locked_at = now()
                         WHERE team_id = $1 AND key = $2`;
    await fixture.db.pool.query(inProgress, [fixture.teamId, key]);
    const waiting = create(body, key);
    // The "first request" finishes 300 ms later; the waiting retry then gets its response.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await fixture.db.pool.query(
      `UPDATE idempotency_keys SET response_status = 200, response_body = $3, completed_at = now(), locked_by = NULL, locked_at = NULL
        WHERE team_id = $1 AND key = $2`,
      [fixture.teamId, key, original],
    );
    const answered = await waiting;
    expect(answered.status).toBe(200);
    expect(await answered.text()).toBe(original);

    // A first request that never finishes: after waiting a few seconds the retry is told to come back.
    await fixture.db.pool.query(inProgress, [fixture.teamId, key]);
    const started = Date.now();
    const problem = await expectProblem(await create(body, key), 409, 'idempotency_request_in_progress');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(problem.retry_after_seconds).toBeGreaterThan(0);
  });

  it('a claim abandoned by a crashed request is taken over once its lease runs out', async () => {
    const key = randomUUID();
    await create(body, key);
    await fixture.db.pool.query(
      `UPDATE idempotency_keys SET response_status = NULL, response_body = NULL, completed_at = NULL,
              locked_by = 'crashed-request', locked_at = now() - interval '2 minutes'
        WHERE team_id = $1 AND key = $2`,
      [fixture.teamId, key],
    );
    const retry = await create(body, key);
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    const row = await fixture.db.prisma.idempotencyKey.findUnique({
      where: { teamId_livemode_key: { teamId: fixture.teamId, livemode: false, key } },
    });
    expect(row).toMatchObject({ responseStatus: 200, lockedBy: null });
  });

  it('an Idempotency-Key that is empty, too long or not printable ASCII is a 400 naming it', async () => {
    // fetch trims header values, so ' ' arrives empty; 'clé' arrives as one Latin-1 byte.
    for (const bad of [' ', 'k'.repeat(256), 'clé']) {
      await expectProblem(await create(body, bad), 400, 'parameter_invalid', 'Idempotency-Key');
    }
    expect((await create(body, 'k'.repeat(255))).status).toBe(200);
  });
});
