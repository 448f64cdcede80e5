import { afterAll, beforeAll, expect } from 'vitest';
import { idPrefix, newId } from '@reportrun/core';
import { createLogger } from '@reportrun/config';
import type { PrismaClient, ReportRun, ReportRunStatus } from '@reportrun/db';
import { createRedisConnection, createReportRunQueue, type RedisConnection, type ReportRunQueue } from '@reportrun/queue';
import type { TestEnvironment } from '@reportrun/testing';
import { startApiServer, type RunningApi } from '../src/index.ts';

/** Asserts an RFC 9457 problem with the given status and code; returns it for more checks. */
export async function expectProblem(response: Response, status: number, code: string, param?: string) {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(text) as Record<string, unknown>;
  expect(problem).toMatchObject({
    status,
    code,
    type: expect.stringContaining(code),
    title: expect.any(String),
  });
  expect(typeof problem.detail).toBe('string');
  if (param !== undefined) expect(problem.param).toBe(param);
  return problem;
}

/**
 * A run written straight to the database with a chosen creation time, for tests about listing:
 * ids carry the same time, as the API's own would.
 */
export async function insertRun(
  prisma: PrismaClient,
  fields: { teamId: string; livemode: boolean; createdAt: Date; reportId?: string; status?: ReportRunStatus },
): Promise<ReportRun> {
  return prisma.reportRun.create({
    data: {
      id: newId(idPrefix.reportRun, fields.createdAt.getTime()),
      teamId: fields.teamId,
      livemode: fields.livemode,
      reportId: fields.reportId ?? 'balance_change_from_activity.itemized.1',
      reportName: 'Balance change from activity, itemized',
      reportParameters: {
        interval_start: '2025-01-01T00:00:00.000Z',
        interval_end: '2025-02-01T00:00:00.000Z',
      },
      resultOptions: { compress_file: false },
      status: fields.status ?? 'running',
      statusDetails:
        fields.status === 'failed' ? { code: 'query_failed', message: 'boom', retryable: false } : {},
      createdAt: fields.createdAt,
      timeoutSeconds: 600,
    },
  });
}

/** Starts the API in this process on a free port: what `useTestFixture({ api: inProcessApi })` runs. */
export const inProcessApi = (environment: TestEnvironment): Promise<RunningApi> =>
  startApiServer({ ...environment.config, PORT: 0 }, createLogger('api-test', 'silent'));

/**
 * The run queue as the API's producer side holds it, open for every test of the file: for runs
 * made without the API (written by `createReportRun`, fired by the schedule engine) that a
 * worker must still pick up. Call at the top of the file, after `useTestFixture`.
 */
export function useProducerQueue(fixture: { readonly environment: TestEnvironment }): { readonly queue: ReportRunQueue } {
  let redis: RedisConnection | undefined;
  let queue: ReportRunQueue | undefined;
  beforeAll(() => {
    redis = createRedisConnection(fixture.environment.config.REDIS_URL, 'producer');
    queue = createReportRunQueue(redis, fixture.environment.config.QUEUE_PREFIX);
  });
  afterAll(async () => {
    await queue?.close();
    redis?.disconnect();
  });
  return {
    get queue() {
      if (!queue) throw new Error('the producer queue opens before the first test');
      return queue;
    },
  };
}
