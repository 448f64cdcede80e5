import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SavedReportList, SavedReportResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';
import { expectProblem, inProcessApi } from './api-fixtures.ts';
import { json, ledgerQuery, savedReportsClient } from './saved-report-fixtures.ts';

let client: ReturnType<typeof savedReportsClient>;
let liveClient: ReturnType<typeof savedReportsClient>;
let otherTeamClient: ReturnType<typeof savedReportsClient>;

const fixture = useTestFixture({ database, team: 'Saved reports team', liveKey: true, otherTeam: true, api: inProcessApi });

beforeAll(() => {
  client = savedReportsClient(fixture.api.url, fixture.apiKey);
  liveClient = savedReportsClient(fixture.api.url, fixture.liveKey);
  otherTeamClient = savedReportsClient(fixture.api.url, fixture.otherTeamKey);
});

const byCurrencyQuery = {
  dataset: 'balance_transactions',
  time_range: { from: '2025-03-01T00:00:00-05:00', to: '2025-04-01T00:00:00Z' },
  dimensions: [{ field: 'created', grain: 'day', time_zone: 'us/eastern' }, { field: 'currency' }],
  measures: [{ aggregate: 'sum', field: 'amount' }, { aggregate: 'count' }],
  filters: [{ field: 'status', op: 'eq', value: 'available' }],
};

describe('saved reports: create, read, list, update, delete', () => {
  it('saves a query and shows it back normalized: UTC times, canonical time zones, defaults filled in', async () => {
    const saved = await client.save('Daily volume by currency', byCurrencyQuery);
    expect(saved.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(saved).toEqual({
      id: saved.id,
      object: 'saved_report',
      livemode: false,
      name: 'Daily volume by currency',
      query: {
        dataset: 'balance_transactions',
        time_range: { from: '2025-03-01T05:00:00.000Z', to: '2025-04-01T00:00:00.000Z' },
        dimensions: [
          { field: 'created', grain: 'day', time_zone: 'America/New_York' },
          { field: 'currency' },
        ],
        measures: [{ aggregate: 'sum', field: 'amount' }, { aggregate: 'count' }],
        filters: [{ field: 'status', op: 'eq', value: 'available' }],
        order_by: [],
        limit: 100,
      },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(await json<SavedReportResource>(await client.get(saved.id))).toEqual(saved);
  });

  it("lists the key's reports newest first, in pages", async () => {
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1)
      made.push((await client.save(`Paged ${i}`, ledgerQuery({ measures: [{ aggregate: 'count' }] }))).id);
    const first = await json<SavedReportList>(await client.list('?limit=2'));
    expect(first.object).toBe('list');
    expect(first.data.map((report) => report.id)).toEqual([made[2], made[1]]);
    expect(first.has_more).toBe(true);
    const rest = await json<SavedReportList>(await client.list(`?limit=100&starting_after=${made[1]}`));
    expect(rest.data.map((report) => report.id)[0]).toBe(made[0]);
    expect(rest.has_more).toBe(false);
    const all = [...first.data, ...rest.data].map((report) => report.id);
    expect(new Set(all).size).toBe(all.length);
    await expectProblem(await client.list('?limit=0'), 400, 'parameter_invalid', 'limit');
    await expectProblem(await client.list('?colour=red'), 400, 'parameter_unknown', 'colour');
  });

  it('renames a report, replaces its query, and refuses an empty or invalid update', async () => {
    const saved = await client.save('Before', byCurrencyQuery);
    const renamed = await json<SavedReportResource>(await client.update(saved.id, { name: 'After' }));
    expect(renamed.name).toBe('After');
    expect(renamed.query).toEqual(saved.query);
    expect(new Date(renamed.updated_at).getTime()).toBeGreaterThanOrEqual(
      new Date(saved.updated_at).getTime(),
    );

    const requeried = await json<SavedReportResource>(
      await client.update(saved.id, {
        query: ledgerQuery({
          dimensions: [{ field: 'type' }],
          measures: [{ aggregate: 'avg', field: 'fee' }],
          limit: 7,
        }),
      }),
    );
    expect(requeried.name).toBe('After');
    expect(requeried.query).toMatchObject({
      dimensions: [{ field: 'type' }],
      measures: [{ aggregate: 'avg', field: 'fee' }],
      limit: 7,
    });

    await expectProblem(await client.update(saved.id, {}), 400, 'parameter_invalid', 'body');
    await expectProblem(
      await client.update(saved.id, {
        query: ledgerQuery({ measures: [{ aggregate: 'sum', field: 'currency' }] }),
      }),
      400,
      'parameter_invalid',
      'query.measures[0].field',
    );
    // A refused update changes nothing.
    expect((await json<SavedReportResource>(await client.get(saved.id))).query).toEqual(requeried.query);
  });

  it('deletes a report; afterwards it is not found, and deleting again is 404', async () => {
    const saved = await client.save('Doomed', byCurrencyQuery);
    expect(await json(await client.remove(saved.id))).toEqual({
      id: saved.id,
      object: 'saved_report',
      deleted: true,
    });
    await expectProblem(await client.get(saved.id), 404, 'saved_report_not_found');
    await expectProblem(await client.remove(saved.id), 404, 'saved_report_not_found');
    await expectProblem(await client.run(saved.id), 404, 'saved_report_not_found');
  });

  it('the same Idempotency-Key saves one report and answers every retry with it', async () => {
    const key = randomUUID();
    const before = await fixture.db.prisma.report.count();
    const body = { name: 'Once', query: byCurrencyQuery };
    const first = await json<SavedReportResource>(await client.create(body, { 'idempotency-key': key }), 201);
    const second = await client.create(body, { 'idempotency-key': key });
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect((await json<SavedReportResource>(second, 201)).id).toBe(first.id);
    expect(await fixture.db.prisma.report.count()).toBe(before + 1);
  });
});

describe('saved reports belong to one team and one mode', () => {
  it('another team, or the same team in live mode, finds nothing: every operation is 404', async () => {
    const saved = await client.save('Private', byCurrencyQuery);
    for (const stranger of [otherTeamClient, liveClient]) {
      await expectProblem(await stranger.get(saved.id), 404, 'saved_report_not_found');
      await expectProblem(
        await stranger.update(saved.id, { name: 'Hijacked' }),
        404,
        'saved_report_not_found',
      );
      await expectProblem(await stranger.run(saved.id), 404, 'saved_report_not_found');
      await expectProblem(await stranger.export(saved.id, { format: 'csv' }), 404, 'saved_report_not_found');
      await expectProblem(await stranger.remove(saved.id), 404, 'saved_report_not_found');
      const listed = await json<SavedReportList>(await stranger.list('?limit=100'));
      expect(listed.data.map((report) => report.id)).not.toContain(saved.id);
    }
    const still = await json<SavedReportResource>(await client.get(saved.id));
    expect(still.name).toBe('Private');
  });
});

describe('every invalid query is a 400 naming the offending path', () => {
  const base = {
    dataset: 'balance_transactions',
    time_range: { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
    dimensions: [{ field: 'currency' }],
    measures: [{ aggregate: 'count' }],
  };
  const filters = [
    { field: 'currency', op: 'eq', value: 'usd' },
    { field: 'amount', op: 'gt', value: 0 },
  ];
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown dataset', { dataset: 'users' }, 'query.dataset'],
    ['an undeclared dimension field', { dimensions: [{ field: 'password' }] }, 'query.dimensions[0].field'],
    [
      'a timestamp dimension without a grain',
      { dimensions: [{ field: 'created' }] },
      'query.dimensions[0].grain',
    ],
    [
      'a grain on a text field',
      { dimensions: [{ field: 'currency' }, { field: 'type', grain: 'day' }] },
      'query.dimensions[1].grain',
    ],
    [
      'a grain that does not exist',
      { dimensions: [{ field: 'created', grain: 'fortnight' }] },
      'query.dimensions[0].grain',
    ],
    [
      'a time zone that does not exist',
      { dimensions: [{ field: 'created', grain: 'day', time_zone: 'Mars/Olympus' }] },
      'query.dimensions[0].time_zone',
    ],
    [
      'a time zone without a grain',
      { dimensions: [{ field: 'currency', time_zone: 'UTC' }] },
      'query.dimensions[0].time_zone',
    ],
    [
      'an unknown aggregate',
      { measures: [{ aggregate: 'median', field: 'amount' }] },
      'query.measures[0].aggregate',
    ],
    [
      'a sum of a text field',
      { measures: [{ aggregate: 'sum', field: 'currency' }] },
      'query.measures[0].field',
    ],
    ['an avg without a field', { measures: [{ aggregate: 'avg' }] }, 'query.measures[0].field'],
    [
      'the same column twice',
      { measures: [{ aggregate: 'count' }, { aggregate: 'count' }] },
      'query.measures[1]',
    ],
    [
      'an undeclared filter field',
      { filters: [...filters, { field: 'secret', op: 'eq', value: 'x' }] },
      'query.filters[2].field',
    ],
    [
      'an unknown filter operator',
      { filters: [{ field: 'currency', op: 'like', value: 'u%' }] },
      'query.filters[0].op',
    ],
    [
      'contains on an integer field',
      { filters: [{ field: 'amount', op: 'contains', value: '1' }] },
      'query.filters[0].op',
    ],
    [
      'a string for an integer field',
      { filters: [{ field: 'amount', op: 'gte', value: '100' }] },
      'query.filters[0].value',
    ],
    [
      'a fraction for an integer field',
      { filters: [{ field: 'amount', op: 'gte', value: 1.5 }] },
      'query.filters[0].value',
    ],
    [
      'a non-timestamp for a timestamp field',
      { filters: [{ field: 'available_on', op: 'lt', value: 'tomorrow' }] },
      'query.filters[0].value',
    ],
    ['an empty in-list', { filters: [{ field: 'currency', op: 'in', value: [] }] }, 'query.filters[0].value'],
    [
      'a wrong element in an in-list',
      { filters: [{ field: 'amount', op: 'in', value: [1, 'two'] }] },
      'query.filters[0].value[1]',
    ],
    [
      'a value for is_null',
      { filters: [{ field: 'customer', op: 'is_null', value: 'x' }] },
      'query.filters[0].value',
    ],
    [
      'a NUL character in a value',
      { filters: [{ field: 'currency', op: 'eq', value: 'us\u0000d' }] },
      'query.filters[0].value',
    ],
    [
      'an unknown key in a filter',
      { filters: [{ field: 'currency', op: 'eq', value: 'usd', bogus: 1 }] },
      'query.filters[0].bogus',
    ],
    [
      'ordering by a column the query does not produce',
      { order_by: [{ field: 'amount' }] },
      'query.order_by[0].field',
    ],
    [
      'an unknown order direction',
      { order_by: [{ field: 'count', direction: 'sideways' }] },
      'query.order_by[0].direction',
    ],
    ['a zero limit', { limit: 0 }, 'query.limit'],
    ['a limit that is not a number', { limit: '10' }, 'query.limit'],
    [
      'a range that ends before it starts',
      { time_range: { from: '2025-02-01T00:00:00Z', to: '2025-01-01T00:00:00Z' } },
      'query.time_range.to',
    ],
    [
      'a day that does not exist',
      { time_range: { from: '2025-02-30T00:00:00Z', to: '2025-03-05T00:00:00Z' } },
      'query.time_range.from',
    ],
    [
      'a timestamp without an offset',
      { time_range: { from: '2025-01-01T00:00:00', to: '2025-03-05T00:00:00Z' } },
      'query.time_range.from',
    ],
    ['neither dimensions nor measures', { dimensions: [], measures: [] }, 'query.measures'],
  ];

  it.each(cases)('%s', async (_name, change, param) => {
    const problem = await expectProblem(
      await client.create({ name: 'Invalid', query: { ...base, ...change } }),
      400,
      'parameter_invalid',
      param,
    );
    expect(problem.detail).toContain(param);
  });

  it('a missing or empty name is named too', async () => {
    await expectProblem(await client.create({ query: base }), 400, 'parameter_invalid', 'name');
    await expectProblem(await client.create({ name: '', query: base }), 400, 'parameter_invalid', 'name');
  });

  it('nothing invalid was stored', async () => {
    expect(await fixture.db.prisma.report.count({ where: { name: 'Invalid' } })).toBe(0);
  });
});
