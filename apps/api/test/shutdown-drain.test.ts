import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { startApi, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';

// Long enough that the requests below land inside the window on a loaded machine; the test
// waits for the process to exit, so a longer window only makes it slower, never flaky.
const drainDelayMs = 5_000;

let service: ServiceProcess;
const fixture = useTestFixture({
  database,
  team: 'Draining team',
  api: async (environment) => {
    const started = await startApi({ ...environment.env, SHUTDOWN_DRAIN_DELAY_MS: String(drainDelayMs), LOG_LEVEL: 'info' });
    service = started.service;
    return { url: started.url, service: started.service, close: () => started.service.stop() };
  },
});

describe('an API given SIGTERM', () => {
  it('reports not ready at once, keeps answering requests through its drain window, then exits 0', async () => {
    const { url } = fixture.api;
    // Ready first (its Redis connection comes up just after it listens).
    await waitFor(() => fetch(`${url}/readyz`).then((response) => response.status), (status) => status === 200);
    const exited = once(service.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    service.child.kill('SIGTERM');
    await service.waitForOutput(/"msg":"draining"/);

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ code: 'service_not_ready', draining: true });
    // A load balancer that has not noticed yet still routes here: the request must succeed.
    const reports = await fetch(`${url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${fixture.apiKey}` } });
    expect(reports.status).toBe(200);
    expect(((await reports.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    expect((await fetch(`${url}/livez`)).status).toBe(200);

    expect(await exited).toEqual([0, null]);
    expect(service.output()).toMatch(/"msg":"stopped"/);
    await expect(fetch(`${url}/livez`)).rejects.toThrow();
  });
});
