import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { createApiKey } from '@reportrun/db';
import { spawnService, useTestFixture, type ServiceProcess } from '@reportrun/testing';
import { Redis } from 'ioredis';
import { startApiServer } from '../src/index.ts';
import { expectProblem, insertRun } from './api-fixtures.ts';

const apiDir = fileURLToPath(new URL('..', import.meta.url));
const limitPerMinute = 3;

const fixture = useTestFixture({
  database,
  team: 'Busy team',
  api: (environment) =>
    startApiServer(
      // A busy test machine can take longer than the production 250 ms to reach Redis; counting
      // is what these tests are about, so they never let a request through uncounted.
      { ...environment.config, PORT: 0, RATE_LIMIT_PER_MINUTE: limitPerMinute, RATE_LIMIT_TIMEOUT_MS: 10_000 },
      createLogger('api-test', 'silent'),
    ),
});
let redis: Redis;
let otherSecret: string;

beforeAll(async () => {
  otherSecret = (await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'calm' })).secret;
  redis = new Redis(fixture.environment.config.REDIS_URL);
});

afterAll(() => {
  redis?.disconnect();
});

const listRuns = (apiKey: string, baseUrl = fixture.api.url) =>
  fetch(`${baseUrl}/v2/reporting/report_runs`, { headers: { authorization: `Bearer ${apiKey}` } });

describe('per-key rate limit', () => {
  it(`allows ${limitPerMinute} requests a minute per key, then answers 429 with Retry-After`, async () => {
    for (let remaining = limitPerMinute - 1; remaining >= 0; remaining -= 1) {
      const response = await listRuns(fixture.apiKey);
      expect(response.status).toBe(200);
      expect(response.headers.get('ratelimit-limit')).toBe(String(limitPerMinute));
      expect(response.headers.get('ratelimit-remaining')).toBe(String(remaining));
    }
    const limited = await listRuns(fixture.apiKey);
    const problem = await expectProblem(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBe(problem.retry_after_seconds);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(problem.allowed_actions).toEqual([expect.objectContaining({ rel: 'retry-later' })]);

    // Creates count against the same budget, and are refused before they create anything.
    const before = await fixture.db.prisma.reportRun.count();
    const create = await fetch(`${fixture.api.url}/v2/reporting/report_runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fixture.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ report: 'balance_change_from_activity.itemized.1' }),
    });
    await expectProblem(create, 429, 'rate_limited');
    expect(await fixture.db.prisma.reportRun.count()).toBe(before);

    // Another key of the same team has its own budget.
    expect((await listRuns(otherSecret)).status).toBe(200);
  });

  it('lets the key in again once its window has passed', async () => {
    const counter = `${fixture.environment.config.QUEUE_PREFIX}:rate-limit:${fixture.apiKeyId}`;
    expect(await redis.exists(counter)).toBe(1);
    // End the window now rather than wait a minute.
    await redis.pexpire(counter, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const response = await listRuns(fixture.apiKey);
    expect(response.status).toBe(200);
    expect(response.headers.get('ratelimit-remaining')).toBe(String(limitPerMinute - 1));
    const ttl = await redis.pttl(counter);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  describe('when Redis is unreachable', () => {
    let offline: ServiceProcess;
    let offlineUrl: string;

    beforeAll(async () => {
      offline = spawnService('src/main.ts', {
        cwd: apiDir,
        env: {
          ...fixture.environment.env,
          REDIS_URL: 'redis://127.0.0.1:1',
          PORT: '0',
          LOG_LEVEL: 'warn',
          RATE_LIMIT_PER_MINUTE: '1',
        },
      });
      offlineUrl = (await offline.waitForOutput(/REPORTRUN_API_URL=(\S+)/))[1]!;
    });
    afterAll(async () => {
      await offline?.stop();
    });

    it('reads still answer, unlimited, and the API logs that the limiter is off', async () => {
      const run = await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: new Date() });
      // The limit is 1 per minute: six answers, none counted (no RateLimit headers), show the
      // limiter let them through rather than waiting on Redis or refusing them.
      for (let i = 0; i < 3; i += 1) {
        const list = await listRuns(otherSecret, offlineUrl);
        expect(list.status).toBe(200);
        expect(list.headers.get('ratelimit-limit')).toBeNull();
        const get = await fetch(`${offlineUrl}/v2/reporting/report_runs/${run.id}`, {
          headers: { authorization: `Bearer ${otherSecret}` },
        });
        expect(get.status).toBe(200);
        expect(get.headers.get('ratelimit-limit')).toBeNull();
      }
      await offline.waitForOutput(/rate limiter unavailable/);
    });
  });
});
