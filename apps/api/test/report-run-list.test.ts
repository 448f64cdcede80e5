import { describe, expect, it } from 'vitest';
import type { ReportRunList } from '@reportrun/core';
import * as database from '@reportrun/db';
import type { ReportRun } from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';
import { expectProblem, insertRun } from './api-fixtures.ts';

const fixture = useTestFixture({ database, team: 'Listing team', liveKey: true, otherTeam: true, api: inProcessApi });

async function list(pathAndQuery: string, key = fixture.apiKey): Promise<ReportRunList> {
  const response = await fetch(`${fixture.api.url}${pathAndQuery}`, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return JSON.parse(text) as ReportRunList;
}

/** Every run a listing reaches by following next_page_url from `first`. */
async function followNext(first: string, key = fixture.apiKey): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let url: string | null = first;
  let pages = 0;
  while (url) {
    if (pages === 100) throw new Error(`pagination from ${first} does not end`);
    const page = await list(url, key);
    ids.push(...page.data.map((run) => run.id));
    url = page.next_page_url;
    pages += 1;
  }
  return { ids, pages };
}

/** List order: newest first, ties within a millisecond broken by id, both descending. */
const newestFirst = (runs: ReportRun[]) =>
  runs
    .toSorted(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
    )
    .map((run) => run.id);

const at = (iso: string) => new Date(iso);

describe('listing report runs', () => {
  it('pages through every run exactly once, newest first, while new runs keep arriving', async () => {
    const base = Date.parse('2030-01-01T00:00:00Z');
    const existing: ReportRun[] = [];
    for (let i = 0; i < 23; i += 1) {
      existing.push(
        await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: new Date(base + i * 1000) }),
      );
    }
    // Five runs in one millisecond: only the id orders them, and no page boundary may split
    // them wrongly.
    for (let i = 0; i < 5; i += 1) {
      existing.push(
        await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: new Date(base + 11_500) }),
      );
    }
    const expected = newestFirst(existing);

    const first = await list('/v2/reporting/report_runs?limit=10');
    expect(first.object).toBe('list');
    expect(first.previous_page_url).toBeNull();
    expect(first.data.map((run) => run.id)).toEqual(expected.slice(0, 10));

    // Newer runs arrive between pages; the pages already handed out must not shift.
    for (let i = 0; i < 3; i += 1) {
      await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: new Date(base + 100_000 + i) });
    }
    const second = await list(first.next_page_url!);
    expect(second.data.map((run) => run.id)).toEqual(expected.slice(10, 20));

    await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: new Date(base + 200_000) });
    const third = await list(second.next_page_url!);
    expect(third.data.map((run) => run.id)).toEqual(expected.slice(20));
    expect(third.next_page_url).toBeNull();

    // Going back returns the same pages; the first page's previous link now leads to the runs
    // that arrived since.
    const backToSecond = await list(third.previous_page_url!);
    expect(backToSecond.data.map((run) => run.id)).toEqual(expected.slice(10, 20));
    const backToFirst = await list(backToSecond.previous_page_url!);
    expect(backToFirst.data.map((run) => run.id)).toEqual(expected.slice(0, 10));
    expect(backToFirst.previous_page_url).not.toBeNull();
    const arrivals = await list(backToFirst.previous_page_url!);
    expect(arrivals.data).toHaveLength(4);
    expect(arrivals.previous_page_url).toBeNull();
    expect(arrivals.next_page_url).not.toBeNull();

    // Small pages through the same-millisecond group: still each run exactly once.
    const walk = await followNext('/v2/reporting/report_runs?limit=3&created[lte]=2030-01-01T00:01:00Z');
    expect(walk.ids).toEqual(expected);
    expect(walk.pages).toBe(Math.ceil(expected.length / 3));
  });

  it('shows 20 runs by default and never more than the limit', async () => {
    const page = await list('/v2/reporting/report_runs');
    expect(page.data).toHaveLength(20);
    expect((await list('/v2/reporting/report_runs?limit=100')).data.length).toBeLessThanOrEqual(100);
    expect((await list('/v2/reporting/report_runs?limit=1')).data).toHaveLength(1);
  });

  it('filters by report, status and creation time, and keeps the filters on every page', async () => {
    const day = (n: number) => at(`2031-03-${String(n).padStart(2, '0')}T12:00:00Z`);
    const runs = {
      d1: await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: day(1), status: 'succeeded' }),
      d2: await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: day(2), status: 'failed' }),
      d3: await insertRun(fixture.db.prisma, {
        teamId: fixture.teamId,
        livemode: false,
        createdAt: day(3),
        status: 'failed',
        reportId: 'other.report.1',
      }),
      d4: await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: day(4), status: 'canceled' }),
      d5: await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, createdAt: day(5), status: 'failed' }),
    };
    const march = 'created[gte]=2031-03-01T00:00:00Z&created[lt]=2031-04-01T00:00:00Z';
    const ids = async (query: string) => (await followNext(`/v2/reporting/report_runs?${query}`)).ids;

    expect(await ids(march)).toEqual([runs.d5.id, runs.d4.id, runs.d3.id, runs.d2.id, runs.d1.id]);
    // Bounds: gte/lte include the instant, gt/lt exclude it; offsets other than Z work.
    expect(await ids('created[gte]=2031-03-02T12:00:00Z&created[lte]=2031-03-04T12:00:00Z')).toEqual([
      runs.d4.id,
      runs.d3.id,
      runs.d2.id,
    ]);
    expect(await ids('created[gt]=2031-03-02T12:00:00Z&created[lt]=2031-03-04T12:00:00Z')).toEqual([
      runs.d3.id,
    ]);
    expect(
      await ids('created[gt]=2031-03-02T13:00:00%2B01:00&created[lt]=2031-03-04T14:00:00%2B02:00'),
    ).toEqual([runs.d3.id]);
    expect(await ids(`${march}&status=failed`)).toEqual([runs.d5.id, runs.d3.id, runs.d2.id]);
    expect(await ids(`${march}&report=other.report.1`)).toEqual([runs.d3.id]);
    expect(await ids(`${march}&status=failed&report=balance_change_from_activity.itemized.1`)).toEqual([
      runs.d5.id,
      runs.d2.id,
    ]);

    // One run per page: the page token must carry the filters forward.
    const walk = await followNext(`/v2/reporting/report_runs?${march}&status=failed&limit=1`);
    expect(walk.ids).toEqual([runs.d5.id, runs.d3.id, runs.d2.id]);
    expect(walk.pages).toBe(3);
  });

  it("never shows another team's runs or the other mode's, on any page or with any token", async () => {
    const created = new Date(Date.parse('2032-06-01T00:00:00Z'));
    const foreign = await insertRun(fixture.db.prisma, { teamId: fixture.otherTeamId, livemode: false, createdAt: created });
    const live = await insertRun(fixture.db.prisma, { teamId: fixture.teamId, livemode: true, createdAt: created });

    const ownIds = (await followNext('/v2/reporting/report_runs?limit=100')).ids;
    expect(ownIds).not.toContain(foreign.id);
    expect(ownIds).not.toContain(live.id);
    const ownCount = await fixture.db.prisma.reportRun.count({ where: { teamId: fixture.teamId, livemode: false } });
    expect(ownIds).toHaveLength(ownCount);

    expect((await followNext('/v2/reporting/report_runs', fixture.liveKey)).ids).toEqual([live.id]);
    expect((await followNext('/v2/reporting/report_runs', fixture.otherTeamKey)).ids).toEqual([foreign.id]);

    // A token minted for one key, replayed with another, still lists only the other key's runs.
    const first = await list('/v2/reporting/report_runs?limit=2');
    const replayed = await list(first.next_page_url!, fixture.otherTeamKey);
    expect(replayed.data.map((run) => run.id)).toEqual([]);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['status=done', 'status'],
    ['created[gte]=2025-01-01', 'created[gte]'],
    ['created[lt]=2025-01-01T00:00:00', 'created[lt]'],
    ['created[gt]=2025-02-30T00:00:00Z', 'created[gt]'],
    ['created[lte]=yesterday', 'created[lte]'],
    ['report=', 'report'],
    ['page=not-a-token', 'page'],
    [`page=${Buffer.from('{"v":1}').toString('base64url')}`, 'page'],
  ])('?%s is a 400 naming %s', async (query, param) => {
    const response = await fetch(`${fixture.api.url}/v2/reporting/report_runs?${query}`, {
      headers: { authorization: `Bearer ${fixture.apiKey}` },
    });
    await expectProblem(response, 400, 'parameter_invalid', param);
  });

  it('an unknown parameter is a 400 naming it, and so is a filter sent beside a page token', async () => {
    const unknown = await fetch(`${fixture.api.url}/v2/reporting/report_runs?created[after]=2025-01-01T00:00:00Z`, {
      headers: { authorization: `Bearer ${fixture.apiKey}` },
    });
    await expectProblem(unknown, 400, 'parameter_unknown', 'created[after]');

    const first = await list('/v2/reporting/report_runs?limit=2');
    const mixed = await fetch(`${fixture.api.url}${first.next_page_url!}&status=failed`, {
      headers: { authorization: `Bearer ${fixture.apiKey}` },
    });
    await expectProblem(mixed, 400, 'parameter_invalid', 'status');
    // limit may accompany a token.
    expect((await list(`${first.next_page_url!}&limit=5`)).data).toHaveLength(5);
  });
});
