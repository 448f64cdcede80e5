import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { createReportRun } from '@reportrun/status';
import { useTestFixture } from '@reportrun/testing';

const fixture = useTestFixture({ database, team: 'Members team', otherTeam: true, api: true });
const { call } = fixture.client;

const problem = (response: { status: number; headers: Headers; body: Record<string, unknown> }) => {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return response.body;
};

describe('/v1/members', () => {
  it('creates, reads, updates and deletes a member with a data scope', async () => {
    const created = await call('POST', '/v1/members', { email: 'Ada@Example.com', data_scope: { currency: ['usd', 'eur'], customer: [] } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    // An empty list means every value, so the field is dropped; values come back sorted.
    expect(created.body).toMatchObject({ object: 'member', email: 'ada@example.com', data_scope: { currency: ['eur', 'usd'] } });
    const id = created.body.id as string;
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    expect((await call('GET', `/v1/members/${id}`)).body).toEqual(created.body);
    const updated = await call('PATCH', `/v1/members/${id}`, { data_scope: { customer: ['cus_000001'] } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ email: 'ada@example.com', data_scope: { customer: ['cus_000001'] } });
    const renamed = await call('PATCH', `/v1/members/${id}`, { email: 'ada.l@example.com' });
    expect(renamed.body).toMatchObject({ email: 'ada.l@example.com', data_scope: { customer: ['cus_000001'] } });

    // A run made for the member outlives them, without its user_id, with the scope it was made with.
    const run = await createReportRun(fixture.db.prisma, {
      teamId: fixture.teamId,
      livemode: false,
      reportId: 'balance.summary.1',
      reportName: 'Balance summary',
      reportParameters: { interval_start: '2025-01-01T00:00:00.000Z', interval_end: '2025-02-01T00:00:00.000Z' },
      resultOptions: {},
      timeoutSeconds: 60,
      createdBy: 'test',
      userId: id,
      dataScope: { customer: ['cus_000001'] },
    });
    const deleted = await call('DELETE', `/v1/members/${id}`);
    expect(deleted.body).toEqual({ id, object: 'member', deleted: true });
    expect((await call('GET', `/v1/members/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/v1/members/${id}`)).status).toBe(404);
    const kept = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
    expect(kept).toMatchObject({ userId: null, dataScope: { customer: ['cus_000001'] } });
  });

  it('lists members newest first, a page at a time', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1)
      ids.push((await call('POST', '/v1/members', { email: `page${index}@example.com` })).body.id as string);
    const seen: string[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await call('GET', `/v1/members?limit=2${startingAfter ? `&starting_after=${startingAfter}` : ''}`);
      expect(page.status).toBe(200);
      const data = page.body.data as { id: string }[];
      seen.push(...data.map((member) => member.id));
      if (!page.body.has_more) break;
      startingAfter = data.at(-1)!.id;
    }
    expect(seen.filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });

  it('an email is one member per team', async () => {
    expect((await call('POST', '/v1/members', { email: 'twice@example.com' })).status).toBe(201);
    const again = await call('POST', '/v1/members', { email: 'TWICE@example.com' });
    expect(again.status).toBe(409);
    expect(problem(again)).toMatchObject({ code: 'member_email_taken', param: 'email' });
    // Another team may have the same person.
    const other = await call('POST', '/v1/members', { email: 'twice@example.com' }, { key: fixture.otherTeamKey });
    expect(other.status).toBe(201);
  });

  it('refuses bad input with a 400 naming the field, storing nothing', async () => {
    const cases: [unknown, string][] = [
      [{ email: 'not an email' }, 'email'],
      [{}, 'email'],
      [{ email: 'x@example.com', data_scope: { country: ['de'] } }, 'data_scope.country'],
      [{ email: 'x@example.com', data_scope: { currency: 'eur' } }, 'data_scope.currency'],
      [{ email: 'x@example.com', data_scope: { currency: ['eur', 'EURO'] } }, 'data_scope.currency[1]'],
      [{ email: 'x@example.com', data_scope: { customer: [42] } }, 'data_scope.customer[0]'],
      [{ email: 'x@example.com', data_scope: ['eur'] }, 'data_scope'],
      [{ email: 'x@example.com', role: 'admin' }, 'role'],
    ];
    for (const [body, param] of cases) {
      const response = await call('POST', '/v1/members', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(problem(response).param, JSON.stringify(body)).toBe(param);
    }
    expect(await fixture.db.prisma.member.count({ where: { email: 'x@example.com' } })).toBe(0);
    const member = (await call('POST', '/v1/members', { email: 'scope@example.com', data_scope: { currency: ['eur'] } })).body;
    const bad = await call('PATCH', `/v1/members/${member.id as string}`, { data_scope: { currency: ['€'] } });
    expect(problem(bad).param).toBe('data_scope.currency[0]');
    expect((await call('GET', `/v1/members/${member.id as string}`)).body.data_scope).toEqual({ currency: ['eur'] });
    expect(problem(await call('PATCH', `/v1/members/${member.id as string}`, {})).param).toBe('body');
  });

  it("another team's member, or an id that is not a UUID, is not found", async () => {
    const theirs = (await call('POST', '/v1/members', { email: 'theirs@example.com' }, { key: fixture.otherTeamKey })).body;
    for (const id of [theirs.id as string, 'not-a-uuid', '00000000-0000-4000-8000-000000000000']) {
      expect((await call('GET', `/v1/members/${id}`)).status).toBe(404);
      expect((await call('PATCH', `/v1/members/${id}`, { email: 'mine@example.com' })).status).toBe(404);
      expect((await call('DELETE', `/v1/members/${id}`)).status).toBe(404);
    }
    expect((await call('GET', `/v1/members/${theirs.id as string}`, undefined, { key: fixture.otherTeamKey })).status).toBe(200);
  });
});
