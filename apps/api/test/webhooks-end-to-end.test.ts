import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { lockLedger, startScheduler, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';

/**
 * Webhooks from the outside: real API, worker and scheduler processes, a local HTTP receiver,
 * and signatures checked by Stripe's own library (`stripe.webhooks.constructEvent`), an
 * implementation independent of ours.
 */

const fixture = useTestFixture({
  database,
  team: 'Webhooks team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 2_000);
  },
  api: true,
  worker: true,
});
const { call, createRun, getRun, waitUntilEnded } = fixture.client;

/** Short retries, so a receiver that was down is retried within the test. */
const schedulerEnv = {
  WEBHOOK_DELIVERY_INTERVAL_MS: '100',
  WEBHOOK_RETRY_BASE_SECONDS: '0.3',
  WEBHOOK_RETRY_MAX_DELAY_SECONDS: '1',
  WEBHOOK_TIMEOUT_MS: '2000',
};

const stripe = new Stripe('sk_test_unused');

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP receiver on loopback that records every POST and answers `answer` (200 by default). */
class Receiver {
  received: Received[] = [];
  answer = 200;
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(this.answer, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Goes down: the port refuses connections until `start(port)` again. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The events received so far, each verified with Stripe's library against `secret`. */
  verifiedEvents(secret: string): Stripe.Event[] {
    return this.received.map(({ headers, body }) =>
      stripe.webhooks.constructEvent(body, headers['stripe-signature'] as string, secret),
    );
  }
}

const receivers: Receiver[] = [];
const schedulers: ServiceProcess[] = [];

async function newReceiver(): Promise<Receiver> {
  const receiver = new Receiver();
  await receiver.start();
  receivers.push(receiver);
  return receiver;
}

async function runScheduler(): Promise<ServiceProcess> {
  const scheduler = await startScheduler({ ...fixture.environment.env, ...schedulerEnv });
  schedulers.push(scheduler);
  return scheduler;
}

/** Creates an endpoint for the receiver; returns its id and signing secret. */
async function createEndpoint(url: string, enabledEvents: string[] = ['*']): Promise<{ id: string; secret: string }> {
  const { status, body } = await call('POST', '/v1/webhook_endpoints', {
    url,
    enabled_events: enabledEvents,
    description: 'test receiver',
  });
  expect(status, JSON.stringify(body)).toBe(201);
  return { id: body.id as string, secret: body.secret as string };
}

async function deleteEndpoint(id: string): Promise<void> {
  expect((await call('DELETE', `/v1/webhook_endpoints/${id}`)).status).toBe(200);
}

const shortRun = {
  report: 'balance_change_from_activity.itemized.1',
  report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-02-01T00:00:00Z' },
};

afterEach(async () => {
  await Promise.all(schedulers.splice(0).map((scheduler) => scheduler.stop()));
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});

afterAll(async () => {
  const mine = await call('GET', '/v1/webhook_endpoints?limit=100');
  for (const endpoint of (mine.body.data as { id: string }[] | undefined) ?? []) await deleteEndpoint(endpoint.id);
});

describe('webhook endpoints', () => {
  it('show the signing secret only when created, and belong to one team and mode', async () => {
    const { id, secret } = await createEndpoint('https://hooks.example.com/reportrun', ['report_run.succeeded']);
    expect(id).toMatch(/^we_[0-9a-z]{26}$/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{32}$/);
    const read = await call('GET', `/v1/webhook_endpoints/${id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      id,
      object: 'webhook_endpoint',
      url: 'https://hooks.example.com/reportrun',
      description: 'test receiver',
      enabled_events: ['report_run.succeeded'],
      livemode: false,
      status: 'enabled',
      created: expect.any(Number),
    });
    const listed = await call('GET', '/v1/webhook_endpoints');
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect((listed.body.data as { id: string }[]).map((endpoint) => endpoint.id)).toContain(id);

    const updated = await call('POST', `/v1/webhook_endpoints/${id}`, { enabled_events: ['*'], description: null });
    expect(updated.body).toMatchObject({ enabled_events: ['*'], description: null });
    expect(JSON.stringify(updated.body)).not.toContain(secret);

    const bad = await call('POST', '/v1/webhook_endpoints', { url: 'https://hooks.example.com/x', enabled_events: ['run.exploded'] });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ param: 'enabled_events[0]' });

    await deleteEndpoint(id);
    expect((await call('GET', `/v1/webhook_endpoints/${id}`)).body).toMatchObject({ status: 404, code: 'webhook_endpoint_not_found' });
  });
});

describe('events and their delivery', () => {
  it('a succeeded CSV run, a failed run and a canceled run each reach the receiver, signed as Stripe signs', async () => {
    const receiver = await newReceiver();
    const endpoint = await createEndpoint(receiver.url);
    await runScheduler();

    const succeeded = await createRun(shortRun);
    expect((await waitUntilEnded(succeeded.id)).status).toBe('succeeded');
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    let failedId: string;
    let canceledId: string;
    try {
      failedId = (await createRun({ ...shortRun, timeout_seconds: 1 })).id;
      canceledId = (await createRun(shortRun)).id;
      expect((await call('POST', `/v2/reporting/report_runs/${canceledId}/cancel`)).status).toBe(200);
      expect((await waitUntilEnded(failedId, { timeoutMs: 30_000 })).status).toBe('failed');
    } finally {
      await lock.release();
    }

    const events = await waitFor(
      async () => receiver.verifiedEvents(endpoint.secret),
      (verified) => verified.length >= 3,
      { timeoutMs: 30_000 },
    );
    const byRun = new Map(events.map((event) => [(event.data.object as unknown as { id: string }).id, event]));
    expect(events).toHaveLength(3);
    expect(byRun.get(succeeded.id)).toMatchObject({
      object: 'event',
      type: 'report_run.succeeded',
      livemode: false,
      api_version: expect.any(String),
      data: {
        object: {
          id: succeeded.id,
          object: 'v2.reporting.report_run',
          status: 'succeeded',
          result: { type: 'file', file: { content_type: 'csv', download_url: { url: expect.stringMatching(/^http/) } } },
        },
      },
    });
    expect(byRun.get(failedId)).toMatchObject({
      type: 'report_run.failed',
      data: { object: { status: 'failed', status_details: { code: 'timeout' } } },
    });
    expect(byRun.get(canceledId)).toMatchObject({ type: 'report_run.canceled', data: { object: { status: 'canceled' } } });
    for (const event of events) {
      expect(event.id).toMatch(/^evt_[0-9a-z]{26}$/);
      expect(Math.abs(event.created - Date.now() / 1000)).toBeLessThan(600);
    }

    // A signature made with another secret, or over another body, is refused by Stripe's check.
    const { headers, body } = receiver.received[0]!;
    expect(() => stripe.webhooks.constructEvent(body, headers['stripe-signature'] as string, 'whsec_wrong')).toThrow();
    expect(() => stripe.webhooks.constructEvent(`${body} `, headers['stripe-signature'] as string, endpoint.secret)).toThrow();

    // The same events through the API, newest first, filtered by type.
    const listed = await call('GET', '/v1/events?limit=3');
    expect((listed.body.data as { id: string }[]).map((event) => event.id)).toEqual(
      events.map((event) => event.id).toSorted().toReversed(),
    );
    const failures = await call('GET', '/v1/events?type=report_run.failed');
    expect((failures.body.data as { data: { object: { id: string } } }[]).map((event) => event.data.object.id)).toEqual([failedId]);
    const one = await call('GET', `/v1/events/${byRun.get(canceledId)!.id}`);
    expect(one.body).toMatchObject({ id: byRun.get(canceledId)!.id, type: 'report_run.canceled', pending_webhooks: 0 });
    expect((await call('GET', '/v1/events/evt_00000000000000000000000000')).body).toMatchObject({
      status: 404,
      code: 'event_not_found',
    });
    const page = await call('GET', `/v1/events?limit=1&starting_after=${(listed.body.data as { id: string }[])[0]!.id}`);
    expect((page.body.data as { id: string }[])[0]!.id).toBe((listed.body.data as { id: string }[])[1]!.id);

    // Resending an event delivers it again, and the deliveries show both attempts.
    const eventId = byRun.get(succeeded.id)!.id;
    const resend = await call('POST', `/v1/events/${eventId}/resend`, {});
    expect(resend.status, JSON.stringify(resend.body)).toBe(200);
    expect(resend.body.data).toEqual([expect.objectContaining({ event: eventId, webhook_endpoint: endpoint.id, status: 'pending' })]);
    await waitFor(
      async () => receiver.verifiedEvents(endpoint.secret).filter((event) => event.id === eventId).length,
      (count) => count === 2,
    );
    const deliveries = await waitFor(
      () => call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`),
      (response) => (response.body.data as { event: string; status: string }[]).find((d) => d.event === eventId)?.status === 'succeeded',
    );
    expect((deliveries.body.data as unknown[]).length).toBe(3);
    expect((deliveries.body.data as { event: string }[]).find((delivery) => delivery.event === eventId)).toMatchObject({
      object: 'webhook_delivery',
      event_type: 'report_run.succeeded',
      status: 'succeeded',
      attempts: 2,
      next_retry_at: null,
      attempt_history: [
        { attempt: 1, status_code: 200, error: null, duration_ms: expect.any(Number), next_retry_at: null },
        { attempt: 2, status_code: 200, error: null },
      ],
    });
    await deleteEndpoint(endpoint.id);
  });

  it('a receiver that answers 500 and then is down gets every event once it is back', async () => {
    const receiver = await newReceiver();
    receiver.answer = 500;
    const endpoint = await createEndpoint(receiver.url, ['report_run.succeeded']);
    await runScheduler();
    const runs = [await createRun(shortRun), await createRun(shortRun)];
    for (const run of runs) expect((await waitUntilEnded(run.id)).status).toBe('succeeded');

    const deliveriesOf = () => call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries`);
    type Delivery = { status: string; attempts: number; next_retry_at: number | null; attempt_history: { status_code: number | null; error: string | null }[] };
    await waitFor(deliveriesOf, (response) =>
      (response.body.data as Delivery[]).length === 2 && (response.body.data as Delivery[]).every((delivery) => delivery.attempts >= 2),
    );
    const failing = (await deliveriesOf()).body.data as Delivery[];
    for (const delivery of failing) {
      expect(delivery.status).toBe('pending');
      expect(delivery.attempt_history[0]).toMatchObject({ status_code: 500, error: 'HTTP 500' });
    }

    const port = receiver.port;
    await receiver.stop();
    // While it is down, attempts find nobody listening; the deliveries stay pending with a next retry.
    const refused = (attempt: Delivery['attempt_history'][number]) =>
      attempt.status_code === null && /ECONNREFUSED/.test(attempt.error ?? '');
    const down = await waitFor(deliveriesOf, (response) =>
      (response.body.data as Delivery[]).every((delivery) => delivery.attempt_history.some(refused)),
    );
    for (const delivery of down.body.data as Delivery[]) {
      expect(delivery.status).toBe('pending');
      expect(delivery.next_retry_at).not.toBeNull();
    }

    receiver.answer = 200;
    receiver.received = [];
    await receiver.start(port);
    const events = await waitFor(
      async () => receiver.verifiedEvents(endpoint.secret),
      (verified) => new Set(verified.map((event) => (event.data.object as unknown as { id: string }).id)).size === 2,
      { timeoutMs: 30_000 },
    );
    expect(new Set(events.map((event) => (event.data.object as unknown as { id: string }).id))).toEqual(new Set(runs.map((run) => run.id)));
    const delivered = await waitFor(deliveriesOf, (response) =>
      (response.body.data as Delivery[]).every((delivery) => delivery.status === 'succeeded'),
    );
    for (const delivery of delivered.body.data as Delivery[]) {
      expect(delivery.attempt_history.at(-1)).toMatchObject({ status_code: 200, error: null });
      expect(delivery.next_retry_at).toBeNull();
    }
    await deleteEndpoint(endpoint.id);
  });

  // Last: it kills the file's worker.
  it('a worker killed right after the state change loses no event: the scheduler delivers it later', async () => {
    const receiver = await newReceiver();
    const endpoint = await createEndpoint(receiver.url);
    // No scheduler is running yet: nothing can be sent before the worker dies.
    const run = await createRun(shortRun);
    await waitFor(
      () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id }, select: { status: true } }),
      (row) => row.status !== 'running',
      { intervalMs: 5, timeoutMs: 30_000 },
    );
    await fixture.worker.stop('SIGKILL');

    const outbox = await fixture.db.prisma.webhookDelivery.findMany({ where: { endpointId: endpoint.id } });
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(receiver.received).toHaveLength(0);

    await runScheduler();
    const [event] = await waitFor(
      async () => receiver.verifiedEvents(endpoint.secret),
      (verified) => verified.length === 1,
    );
    expect(event).toMatchObject({ type: 'report_run.succeeded', data: { object: { id: run.id, status: 'succeeded' } } });
    expect((await getRun(run.id)).status).toBe('succeeded');
  });

  it("a schedule's fired and missed slots reach the receiver as schedule.fired and schedule.missed", async () => {
    const receiver = await newReceiver();
    const { id: endpointId, secret } = await createEndpoint(receiver.url, ['schedule.fired', 'schedule.missed']);
    const member = await call('POST', '/v1/members', { email: 'events@example.com' });
    const command = await call('POST', '/v1/reports/saved', { name: 'Scheduled for events', catalog_report: shortRun });
    expect(command.status, JSON.stringify(command.body)).toBe(201);
    const created = await call('POST', `/commands/${String(command.body.id)}/schedules`, {
      organization_id: fixture.teamId,
      cron_expression: '* * * * *',
      name: 'Every minute',
      subscriber_user_ids: [String(member.body.id)],
      misfire_grace_seconds: 3600,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const scheduleId = String(created.body.id);
    // The scheduler was down for ten minutes: the latest slot is caught up, the nine before it
    // are recorded missed.
    await fixture.db.pool.query(
      `UPDATE schedules SET next_run_time = date_trunc('minute', now()) - interval '9 minutes' WHERE id = $1`,
      [scheduleId],
    );
    await runScheduler();
    const slots = await waitFor(
      () => fixture.db.prisma.scheduleSlot.findMany({ where: { scheduleId }, include: { runs: { select: { id: true } } } }),
      (found) => found.filter((slot) => slot.state === 'missed').length >= 9 && found.some((slot) => slot.state === 'fired'),
      { timeoutMs: 30_000 },
    );
    await call('DELETE', `/schedules/${scheduleId}?organization_id=${fixture.teamId}`);
    const missedSlots = slots.filter((slot) => slot.state === 'missed');
    const firedSlot = slots.find((slot) => slot.kind === 'catch_up')!;
    expect(firedSlot).toBeDefined();

    const events = await waitFor(
      async () => receiver.verifiedEvents(secret),
      (received) => received.length >= missedSlots.length + 1,
      { timeoutMs: 30_000 },
    );
    const objects = events.map((event) => ({ type: event.type, object: event.data.object as unknown as Record<string, unknown> }));
    const missed = objects.filter((event) => event.type === ('schedule.missed' as string));
    expect(missed.map((event) => event.object.id).toSorted()).toEqual(missedSlots.map((slot) => slot.id).toSorted());
    for (const { object } of missed) {
      expect(object).toMatchObject({ object: 'schedule_slot', schedule_id: scheduleId, state: 'missed', kind: 'cron', run_ids: [], thread_id: null });
    }
    const fired = objects.find((event) => event.type === ('schedule.fired' as string) && event.object.id === firedSlot.id);
    expect(fired?.object).toMatchObject({
      object: 'schedule_slot',
      schedule_id: scheduleId,
      schedule_name: 'Every minute',
      command_id: String(command.body.id),
      organization_id: fixture.teamId,
      scheduled_at: firedSlot.scheduledAt.toISOString(),
      state: 'fired',
      kind: 'catch_up',
      thread_id: firedSlot.threadId,
      run_ids: firedSlot.runs.map((run) => run.id),
    });
    // Each slot is announced once, and the list of events says the same.
    expect(new Set(objects.map((event) => `${event.type} ${String(event.object.id)}`)).size).toBe(objects.length);
    const listed = await call('GET', '/v1/events?type=schedule.missed&limit=100');
    expect((listed.body.data as { data: { object: { id: string } } }[]).map((event) => event.data.object.id).toSorted()).toEqual(
      missedSlots.map((slot) => slot.id).toSorted(),
    );
    await deleteEndpoint(endpointId);
  });
});

