import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { createReportRun } from '@reportrun/status';
import {
  lockLedger,
  metricsUrlOf,
  metricValue,
  scrapeMetrics,
  spawnApp,
  startApi,
  startScheduler,
  startWorker,
  useTestFixture,
  waitFor,
  type ServiceProcess,
} from '@reportrun/testing';

const fixture = useTestFixture({
  database,
  team: 'Probed team',
  seed: (db) => database.seedLedger(db.pool, 5_000),
  api: true,
  // Long enough that the drain below is still going while the test polls /readyz.
  worker: { WORKER_SHUTDOWN_GRACE_MS: '60000' },
});
const { createRun, getRun, waitUntilEnded } = fixture.client;

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function readiness(
  baseUrl: string,
): Promise<{ status: number; contentType: string | null; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/readyz`);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** Runs `test` against a process, and stops the process whatever happens. */
async function withProcess(
  start: Promise<ServiceProcess>,
  test: (service: ServiceProcess) => Promise<void>,
): Promise<void> {
  const service = await start;
  try {
    await test(service);
  } finally {
    await service.stop();
  }
}

describe('readiness names what is unreachable', () => {
  it('the API is live but not ready when Redis is unreachable', async () => {
    const env = { ...fixture.environment.env, REDIS_URL: `redis://127.0.0.1:${await closedPort()}` };
    const { service, url } = await startApi(env);
    await withProcess(Promise.resolve(service), async () => {
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      const ready = await readiness(url);
      expect(ready.status).toBe(503);
      expect(ready.contentType).toMatch(/^application\/problem\+json/);
      expect(ready.body).toMatchObject({
        status: 503,
        code: 'service_not_ready',
        down: ['redis'],
        draining: false,
      });
      expect(ready.body.checks).toMatchObject({
        postgres: 'ok',
        storage: 'ok',
        redis: expect.stringMatching(/^down: /),
      });
    });
  });

  it('a worker is live but not ready when storage is unreachable, and ready again with the real one', async () => {
    const env = { ...fixture.environment.env, S3_ENDPOINT: `http://127.0.0.1:${await closedPort()}` };
    await withProcess(startWorker(env), async (worker) => {
      const url = await metricsUrlOf(worker);
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      const ready = await readiness(url);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ code: 'service_not_ready', down: ['storage'] });
      expect(ready.body.checks).toMatchObject({
        postgres: 'ok',
        redis: 'ok',
        storage: expect.stringMatching(/^down: /),
      });
    });
    expect((await readiness(await metricsUrlOf(fixture.worker))).status).toBe(200);
  });
});

describe('a worker booting while Redis is unreachable', () => {
  it('is live and says Redis is down, instead of failing its startup probe', async () => {
    const env = {
      ...fixture.environment.env,
      REDIS_URL: `redis://127.0.0.1:${await closedPort()}`,
      LOG_LEVEL: 'info',
    };
    await withProcess(Promise.resolve(spawnApp('worker', env)), async (worker) => {
      const url = await metricsUrlOf(worker);
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      const ready = await readiness(url);
      expect(ready.status).toBe(503);
      expect(ready.body).toMatchObject({ code: 'service_not_ready', down: ['redis'] });
      expect(ready.body.checks).toMatchObject({
        postgres: 'ok',
        storage: 'ok',
        redis: expect.stringMatching(/^down: /),
      });
      // It waits for Redis rather than taking jobs.
      expect(worker.output()).not.toContain('worker ready');
    });
  });
});

describe('the scheduler', () => {
  it('serves probes and counts the reconciler re-enqueuing a run whose job went missing', async () => {
    // Inserted without a job, as when the API died between the insert and the enqueue.
    const run = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance_change_from_activity.itemized.1',
      reportName: 'Balance change from activity, itemized',
      reportParameters: {
        interval_start: '2025-01-01T00:00:00.000Z',
        interval_end: '2026-01-01T00:00:00.000Z',
      },
      resultOptions: { compress_file: false },
      timeoutSeconds: 600,
      createdBy: fixture.apiKeyId,
    });
    const env = {
      ...fixture.environment.env,
      RECONCILE_INTERVAL_SECONDS: '0.3',
      RECONCILE_GRACE_SECONDS: '0',
    };
    await withProcess(startScheduler(env), async (scheduler) => {
      const url = await metricsUrlOf(scheduler);
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      expect((await readiness(url)).status).toBe(200);
      const samples = await waitFor(
        () => scrapeMetrics(url),
        (current) => metricValue(current, 'reportrun_reconciler_actions_total', { action: 'requeued' }) >= 1,
      );
      expect(
        samples.some((sample) => sample.name === 'reportrun_queue_jobs' && sample.labels.state === 'waiting'),
      ).toBe(true);
      expect((await waitUntilEnded(run.id)).status).toBe('succeeded');
    });
  });
});

describe('draining', () => {
  it('a worker told to stop turns not ready at once and stays live while its run finishes', async () => {
    const url = await metricsUrlOf(fixture.worker);
    expect((await readiness(url)).status).toBe(200);
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    let runId: string;
    try {
      runId = (await createRun()).id;
      // In flight: the worker took it and its query waits on the lock.
      await waitFor(
        () =>
          fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: runId }, select: { attempts: true } }),
        (run) => run.attempts === 1,
      );
      const exited = new Promise((resolve) => fixture.worker.child.once('exit', resolve));
      fixture.worker.child.kill('SIGTERM');
      const draining = await waitFor(
        () => readiness(url),
        (ready) => ready.status === 503,
      );
      expect(draining.body).toMatchObject({ code: 'service_not_ready', draining: true, down: [] });
      expect(draining.body.checks).toEqual({ postgres: 'ok', redis: 'ok', storage: 'ok' });
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      expect(fixture.worker.child.exitCode).toBeNull();
      await lock.release();
      // The run finishes within the grace period; then the worker exits.
      expect((await waitUntilEnded(runId)).status).toBe('succeeded');
      await exited;
      expect(fixture.worker.child.exitCode).toBe(0);
    } finally {
      await lock.release();
    }
    expect((await getRun(runId)).status).toBe('succeeded');
  });
});
