import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { apiClient, useTestFixture, type ApiClient } from '@reportrun/testing';
import { startApiServer, type RunningApi } from '../src/index.ts';

/**
 * Server-side request forgery: with WEBHOOK_ALLOW_PRIVATE_URLS off (the production default), a
 * webhook URL whose host is or resolves to a loopback, private, link-local, unique-local or
 * unspecified address is refused with a 400 naming `url`, on create and on update. (Delivery-time
 * refusal, after DNS resolution, is tested in @reportrun/webhooks.)
 */

const fixture = useTestFixture({ database, team: 'SSRF team' });
let strictApi: RunningApi;
let client: ApiClient;

beforeAll(async () => {
  strictApi = await startApiServer(
    { ...fixture.environment.config, PORT: 0, WEBHOOK_ALLOW_PRIVATE_URLS: false },
    createLogger('api-test', 'silent'),
  );
  client = apiClient(strictApi.url, fixture.apiKey);
});

afterAll(async () => {
  await strictApi?.close();
});

const refusedUrls = [
  'http://127.0.0.1/hooks',
  'https://127.1.2.3:8443/hooks',
  'http://localhost:3000/hooks',
  'http://10.0.0.7/hooks',
  'http://172.20.1.1/hooks',
  'http://192.168.0.10/hooks',
  'http://169.254.169.254/latest/meta-data/',
  'http://0.0.0.0/hooks',
  'http://[::1]/hooks',
  'http://[::]/hooks',
  'http://[fe80::1]/hooks',
  'http://[fd12:3456::1]/hooks',
  'http://[::ffff:127.0.0.1]/hooks',
  'http://2130706433/hooks', // 127.0.0.1 written as one number
  'http://0x7f000001/hooks',
];

describe('webhook URLs that would reach the service’s own network', () => {
  it.each(refusedUrls)('creating an endpoint for %s is a 400 naming url', async (url) => {
    const response = await client.call('POST', '/v1/webhook_endpoints', { url, enabled_events: ['*'] });
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status: 400, code: 'webhook_url_refused', param: 'url' });
  });

  it('a URL that is not http or https is a 400 naming url', async () => {
    for (const url of ['ftp://files.example.com/hook', 'file:///etc/passwd', 'gopher://127.0.0.1/', 'not a url']) {
      const response = await client.call('POST', '/v1/webhook_endpoints', { url, enabled_events: ['*'] });
      expect(response.status, url).toBe(400);
      expect(response.body).toMatchObject({ param: 'url' });
    }
  });

  it('changing an endpoint to a private URL is refused the same way, and nothing is stored', async () => {
    const endpoint = await fixture.db.prisma.webhookEndpoint.create({
      data: {
        id: 'we_00000000000000000000000000',
        teamId: fixture.teamId,
        livemode: false,
        url: 'https://hooks.example.com/reportrun',
        enabledEvents: ['*'],
        secret: 'whsec_test',
      },
    });
    const response = await client.call('POST', `/v1/webhook_endpoints/${endpoint.id}`, { url: 'http://169.254.169.254/' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ code: 'webhook_url_refused', param: 'url' });
    const stored = await fixture.db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
    expect(stored.url).toBe('https://hooks.example.com/reportrun');
    expect(await fixture.db.prisma.webhookEndpoint.count({ where: { teamId: fixture.teamId } })).toBe(1);
  });
});
