import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';

const fixture = useTestFixture({ database, team: 'Keys team', liveKey: true, otherTeam: true, api: true });
const { call } = fixture.client;

const problemOf = (response: { status: number; headers: Headers; body: Record<string, unknown> }, status: number, code: string) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: expect.stringContaining(code) });
  return response.body;
};

describe('/v1/api_keys', () => {
  it('a created key works at once, its secret is shown only when it is created, and revoking it locks it out', async () => {
    const created = await call('POST', '/v1/api_keys', { name: 'Nightly export' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ object: 'api_key', name: 'Nightly export', livemode: false, last_used_at: null });
    const { id, secret } = created.body as { id: string; secret: string };
    expect(id).toMatch(/^key_/);
    expect(secret).toMatch(/^rr_test_[0-9A-Za-z]{32}$/);
    expect(created.body.redacted).toBe(`${secret.slice(0, 12)}…${secret.slice(-4)}`);

    // The new key authenticates, for the same team.
    const listedWithNewKey = await call('GET', '/v1/api_keys', undefined, { key: secret });
    expect(listedWithNewKey.status).toBe(200);
    const listed = listedWithNewKey.body.data as Record<string, unknown>[];
    expect(listed.map((key) => key.id)).toEqual(expect.arrayContaining([fixture.apiKeyId, id]));
    // No answer but the first carries the secret, nor anything that looks like one.
    expect(JSON.stringify(listedWithNewKey.body)).not.toContain(secret);
    expect(JSON.stringify(listedWithNewKey.body)).not.toMatch(/rr_(test|live)_[0-9A-Za-z]{32}/);
    for (const key of listed) expect(Object.keys(key).toSorted()).toEqual(['created', 'id', 'last_used_at', 'livemode', 'name', 'object', 'redacted', 'team']);
    // Each names its team: the organization_id heyhumm's schedule routes take.
    expect(new Set(listed.map((key) => key.team))).toEqual(new Set([fixture.teamId]));
    // The request just made with the new key is recorded as its use (written beside the request).
    const usedAt = async () => ((await call('GET', '/v1/api_keys')).body.data as { id: string; last_used_at: string | null }[]).find((key) => key.id === id)!.last_used_at;
    expect(await waitFor(usedAt, (value) => value !== null)).toEqual(expect.any(String));

    const revoked = await call('DELETE', `/v1/api_keys/${id}`);
    expect(revoked.body).toEqual({ id, object: 'api_key', deleted: true });
    problemOf(await call('GET', '/v1/api_keys', undefined, { key: secret }), 401, 'api_key_invalid');
    const after = (await call('GET', '/v1/api_keys')).body.data as { id: string }[];
    expect(after.map((key) => key.id)).not.toContain(id);
    problemOf(await call('DELETE', `/v1/api_keys/${id}`), 404, 'api_key_not_found');
  });

  it('a key cannot revoke itself, and keeps working after trying', async () => {
    const body = problemOf(await call('DELETE', `/v1/api_keys/${fixture.apiKeyId}`), 409, 'api_key_revokes_itself');
    expect(body.param).toBe('id');
    expect((await call('GET', '/v1/api_keys')).status).toBe(200);
  });

  it('a new key has the mode of the key that made it', async () => {
    const live = await call('POST', '/v1/api_keys', { name: 'Live job' }, { key: fixture.liveKey });
    expect(live.status).toBe(201);
    expect(live.body.livemode).toBe(true);
    expect(live.body.secret).toMatch(/^rr_live_/);
  });

  it("another team's keys are neither listed nor revocable", async () => {
    const theirs = await call('POST', '/v1/api_keys', { name: 'Theirs' }, { key: fixture.otherTeamKey });
    const theirId = theirs.body.id as string;
    const ours = (await call('GET', '/v1/api_keys')).body.data as { id: string }[];
    expect(ours.map((key) => key.id)).not.toContain(theirId);
    problemOf(await call('DELETE', `/v1/api_keys/${theirId}`), 404, 'api_key_not_found');
    expect((await call('GET', '/v1/api_keys', undefined, { key: theirs.body.secret as string })).status).toBe(200);
  });

  it('a bad name is refused as a problem naming the field', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: 'x'.repeat(101) }, { name: 'a\u0000b' }, { name: 7 }]) {
      const problem = problemOf(await call('POST', '/v1/api_keys', body), 400, 'parameter_invalid');
      expect(problem.param, JSON.stringify(body)).toBe('name');
    }
    // The mode is the calling key's; a client cannot choose it.
    expect(problemOf(await call('POST', '/v1/api_keys', { name: 'ok', livemode: true }), 400, 'parameter_invalid').param).toBe('livemode');
  });
});
