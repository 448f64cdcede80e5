import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@reportrun/testing';
import { createLogger } from '@reportrun/config';
import { idPrefix, newId, type ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import {
  createWebhookEndpoint,
  nextRetryAt,
  recordRunEvent,
  refusedAddressReason,
  sendDueWebhooks,
  type RenderRun,
  type SenderSettings,
} from '../src/index.ts';

const fixture = useTestFixture({ database, team: 'Sender team' });
const logger = createLogger('webhooks-test', 'silent');

/** Enough of the v2 view for the payload; rendering itself is the API's (tested there). */
const renderRun: RenderRun = async (run) => ({ id: run.id, status: run.status }) as unknown as ReportRunResource;

const settings = (owner: string, overrides: Partial<SenderSettings> = {}): SenderSettings => ({
  retry: { baseSeconds: 0.05, maxDelaySeconds: 0.1, windowSeconds: 3600 },
  timeoutMs: 10_000,
  allowPrivateUrls: true,
  owner,
  ...overrides,
});

interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let receiverUrl: string;
const hits: Hit[] = [];
/** How the receiver answers the next request: a status, or a delay beyond the sender's timeout. */
let answer: { status: number; location?: string } | 'hang' = { status: 200 };

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      hits.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (answer === 'hang') return;
      response.writeHead(answer.status, answer.location ? { location: answer.location } : {}).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const scope = () => ({ teamId: fixture.teamId, livemode: false });

/** A run that just ended, with its event recorded as the status service does. */
async function endedRun(status: 'succeeded' | 'failed' | 'canceled' = 'succeeded'): Promise<string> {
  const run = await fixture.db.prisma.reportRun.create({
    data: {
      id: newId(idPrefix.reportRun),
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance_change_from_activity.itemized.1',
      reportName: 'Itemized',
      reportParameters: {},
      resultOptions: {},
      status,
      timeoutSeconds: 60,
    },
  });
  return (await recordRunEvent(fixture.db.prisma, run))!;
}

async function deleteEndpoints(): Promise<void> {
  await fixture.db.prisma.webhookEndpoint.deleteMany({ where: { teamId: fixture.teamId } });
}

describe('the webhook sender', () => {
  afterEach(async () => {
    await deleteEndpoints();
    hits.length = 0;
  });

  it('two senders draining at once send each event exactly once', async () => {
    hits.length = 0;
    answer = { status: 204 };
    await createWebhookEndpoint(fixture.db.prisma, scope(), { url: receiverUrl, enabled_events: ['*'] }, { allowPrivateUrls: true });
    const eventIds = await Promise.all(Array.from({ length: 30 }, () => endedRun()));
    const deps = { prisma: fixture.db.prisma, logger, renderRun };
    const deliveries = await waitFor(
      async () => {
        await Promise.all([
          sendDueWebhooks(deps, settings('sender-a', { batchSize: 7, timeoutMs: 20_000 })),
          sendDueWebhooks(deps, settings('sender-b', { batchSize: 7, timeoutMs: 20_000 })),
        ]);
        return fixture.db.prisma.webhookDelivery.findMany({ where: { eventId: { in: eventIds } } });
      },
      (rows) => rows.every((delivery) => delivery.status === 'succeeded'),
      { intervalMs: 0 },
    );
    const sent = hits.map((hit) => (JSON.parse(hit.body) as { id: string }).id);
    expect(new Set(sent)).toEqual(new Set(eventIds));
    // A POST per attempt and no more: a row claimed by one sender is never sent by the other.
    for (const delivery of deliveries) {
      expect(sent.filter((id) => id === delivery.eventId)).toHaveLength(delivery.attempts);
    }
  });

  it('signs the exact body it sends, with the endpoint secret, as t=…,v1=…', async () => {
    hits.length = 0;
    answer = { status: 200 };
    const endpoint = await createWebhookEndpoint(
      fixture.db.prisma,
      scope(),
      { url: receiverUrl, enabled_events: ['report_run.failed'] },
      { allowPrivateUrls: true },
    );
    await endedRun('succeeded'); // not an enabled event: no delivery
    const eventId = await endedRun('failed');
    await sendDueWebhooks({ prisma: fixture.db.prisma, logger, renderRun }, settings('signer'));
    expect(hits).toHaveLength(1);
    const { headers, body } = hits[0]!;
    expect(JSON.parse(body)).toMatchObject({ id: eventId, object: 'event', type: 'report_run.failed' });
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(headers['stripe-signature'] as string)!;
    expect(match).not.toBeNull();
    expect(match[2]).toBe(createHmac('sha256', endpoint.secret).update(`${match[1]}.${body}`).digest('hex'));
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('does not follow redirects, gives up a request that outruns its timeout, and retries both', async () => {
    hits.length = 0;
    await createWebhookEndpoint(fixture.db.prisma, scope(), { url: receiverUrl, enabled_events: ['*'] }, { allowPrivateUrls: true });
    const eventId = await endedRun();
    const deps = { prisma: fixture.db.prisma, logger, renderRun };
    answer = { status: 302, location: `${receiverUrl}/elsewhere` };
    await sendDueWebhooks(deps, settings('redirects'));
    expect(hits.map((hit) => hit.body)).toHaveLength(1);
    answer = 'hang';
    await new Promise((resolve) => setTimeout(resolve, 200));
    await sendDueWebhooks(deps, settings('redirects', { timeoutMs: 300 }));
    const delivery = await fixture.db.prisma.webhookDelivery.findFirstOrThrow({
      where: { eventId },
      include: { attemptLog: { orderBy: { attempt: 'asc' } } },
    });
    expect(delivery.status).toBe('pending');
    expect(delivery.attemptLog.map(({ attempt, statusCode, error }) => ({ attempt, statusCode, error }))).toEqual([
      { attempt: 1, statusCode: 302, error: 'redirect (302) not followed' },
      { attempt: 2, statusCode: null, error: 'no answer within 300 ms' },
    ]);
    server.closeAllConnections();
  });

  it('marks a delivery failed once its retry window has passed', async () => {
    answer = { status: 503 };
    await createWebhookEndpoint(fixture.db.prisma, scope(), { url: receiverUrl, enabled_events: ['*'] }, { allowPrivateUrls: true });
    const eventId = await endedRun();
    await sendDueWebhooks(
      { prisma: fixture.db.prisma, logger, renderRun },
      settings('window', { retry: { baseSeconds: 60, maxDelaySeconds: 60, windowSeconds: 1 } }),
    );
    const delivery = await fixture.db.prisma.webhookDelivery.findFirstOrThrow({ where: { eventId }, include: { attemptLog: true } });
    expect(delivery).toMatchObject({ status: 'failed', nextAttemptAt: null, attempts: 1 });
    expect(delivery.attemptLog[0]).toMatchObject({ statusCode: 503, error: 'HTTP 503', nextRetryAt: null });
  });

  it('refuses, at delivery time, a URL that points at a private address when private URLs are not allowed', async () => {
    hits.length = 0;
    answer = { status: 200 };
    await createWebhookEndpoint(fixture.db.prisma, scope(), { url: receiverUrl, enabled_events: ['*'] }, { allowPrivateUrls: true });
    const localhostUrl = receiverUrl.replace('127.0.0.1', 'localhost');
    await createWebhookEndpoint(fixture.db.prisma, scope(), { url: localhostUrl, enabled_events: ['*'] }, { allowPrivateUrls: true });
    const eventId = await endedRun();
    await sendDueWebhooks({ prisma: fixture.db.prisma, logger, renderRun }, settings('strict', { allowPrivateUrls: false }));
    expect(hits).toHaveLength(0);
    const attempts = await fixture.db.prisma.webhookDeliveryAttempt.findMany({ where: { delivery: { eventId } } });
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt.statusCode).toBeNull();
      expect(attempt.error).toMatch(/not a public address/);
    }
  });
});

describe('retry timing', () => {
  const retry = { baseSeconds: 60, maxDelaySeconds: 3 * 3600, windowSeconds: 3 * 24 * 3600 };
  const start = new Date('2026-01-01T00:00:00Z');

  it('doubles each wait, with jitter of at most half, up to the cap, and gives up after three days', () => {
    const delay = (attempt: number, random: number) =>
      (nextRetryAt(attempt, start, start, retry, () => random)!.getTime() - start.getTime()) / 1000;
    expect([1, 2, 3, 4].map((attempt) => delay(attempt, 1))).toEqual([60, 120, 240, 480]);
    expect(delay(3, 0)).toBe(120);
    expect(delay(30, 1)).toBe(3 * 3600);
    const lateFailure = new Date(start.getTime() + 3 * 24 * 3600 * 1000 - 1000);
    expect(nextRetryAt(40, start, lateFailure, retry, () => 0.5)).toBeNull();
  });
});

describe('addresses a webhook may not reach', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '0.0.0.0', '100.64.0.1',
    '::1', '::', 'fe80::1', 'fd00::1', 'fc00::abcd', '::ffff:127.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::a00:1',
  ])('%s is refused', (address) => {
    expect(refusedAddressReason(address)).toMatch(/not a public address/);
  });

  it.each(['93.184.216.34', '8.8.8.8', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is allowed', (address) => {
    expect(refusedAddressReason(address)).toBeUndefined();
  });
});
