import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import { metricValue, parseMetrics } from '@reportrun/testing';
import { createMetrics, createReadiness, startProbeListener, type ProbeListener } from '../src/index.ts';

const logger = createLogger('probe-test', 'silent');
/** A dependency that never answers: what a black-holed host or a stalled server looks like to a client. */
const neverAnswers = () => new Promise<never>(() => {});

let listener: ProbeListener | undefined;
afterEach(async () => {
  await listener?.close();
  listener = undefined;
});

describe('readiness', () => {
  it('a dependency that never answers counts as down once the timeout passes, and its check is aborted', async () => {
    let aborted = false;
    const readiness = createReadiness(
      {
        postgres: async () => 'ok',
        redis: (signal) => {
          signal.addEventListener('abort', () => (aborted = true));
          return neverAnswers();
        },
      },
      { timeoutMs: 100 },
    );
    const report = await readiness.check();
    expect(report).toEqual({
      ready: false,
      draining: false,
      checks: { postgres: 'ok', redis: 'down: no answer within 100 ms' },
    });
    expect(aborted).toBe(true);
  });

  it('a draining process is not ready even though every dependency answers', async () => {
    const readiness = createReadiness({ postgres: async () => 'ok' });
    expect((await readiness.check()).ready).toBe(true);
    readiness.startDraining();
    expect(await readiness.check()).toEqual({ ready: false, draining: true, checks: { postgres: 'ok' } });
    await expect(readiness.assertReady()).rejects.toMatchObject({ code: 'service_not_ready', status: 503 });
  });
});

describe('the probe listener', () => {
  it('answers a scrape without the queue depth when the queue does not answer in time', async () => {
    const metrics = createMetrics({ queueCounts: neverAnswers, queueCountsTimeoutMs: 100 });
    metrics.runsStarted.inc({ report: 'balance.summary.1', format: 'csv' });
    listener = await startProbeListener({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness: createReadiness({}),
      logger,
    });
    const response = await fetch(`${listener.url}/metrics`);
    expect(response.status).toBe(200);
    const samples = parseMetrics(await response.text());
    expect(samples.some((sample) => sample.name === 'reportrun_queue_jobs')).toBe(false);
    expect(
      metricValue(samples, 'reportrun_runs_started_total', { report: 'balance.summary.1', format: 'csv' }),
    ).toBe(1);
    expect(metricValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reports every queue state, zero included, when the queue answers', async () => {
    const metrics = createMetrics({ queueCounts: async () => ({ waiting: 3, active: 1 }) });
    listener = await startProbeListener({
      host: '127.0.0.1',
      port: 0,
      metrics,
      readiness: createReadiness({}),
      logger,
    });
    const samples = parseMetrics(await (await fetch(`${listener.url}/metrics`)).text());
    const depth = Object.fromEntries(
      samples
        .filter((sample) => sample.name === 'reportrun_queue_jobs')
        .map((sample) => [sample.labels.state, sample.value]),
    );
    expect(depth).toEqual({ waiting: 3, active: 1, delayed: 0, failed: 0 });
  });

  it('answers readiness as a problem naming what is down, with Retry-After', async () => {
    const readiness = createReadiness({
      storage: async () =>
        Promise.reject(
          Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
        ),
    });
    listener = await startProbeListener({
      host: '127.0.0.1',
      port: 0,
      metrics: createMetrics(),
      readiness,
      logger,
    });
    const response = await fetch(`${listener.url}/readyz`);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.json()).toMatchObject({
      type: '/docs/errors/service_not_ready',
      status: 503,
      code: 'service_not_ready',
      down: ['storage'],
      checks: { storage: 'down: ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1' },
    });
    expect((await fetch(`${listener.url}/livez`)).status).toBe(200);
  });
});
