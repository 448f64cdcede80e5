import { describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { fireDueSchedules, nextFiring, zonedCron } from '@reportrun/schedules';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { useProducerQueue } from './api-fixtures.ts';
import { expectedItemizedCsv, type LedgerScope } from './ledger-csv.ts';

/**
 * heyhumm's schedule and scheduled-run routes, end to end: schedules made over HTTP, fired by
 * the same engine the scheduler runs, their runs executed by a real worker, and each file
 * compared row by row with an independent query under the member's scope.
 */
const fixture = useTestFixture({
  database,
  team: 'Schedules team',
  otherTeam: true,
  seed: async (db) => {
    await database.seedLedger(db.pool, 3_000);
  },
  api: true,
  worker: true,
});
const { call, getRun } = fixture.client;

const producer = useProducerQueue(fixture);

const interval = { interval_start: '2025-02-01T00:00:00.000Z', interval_end: '2025-06-01T00:00:00.000Z' };
// Once a year, so nothing fires by itself while a test runs.
const yearly = '0 0 1 1 *';
const runFields = [
  'schedule_id', 'user_id', 'id', 'user_email', 'status', 'started_at', 'completed_at', 'error_message', 'thread_id',
  'summary', 'is_read', 'read_at', 'created_at', 'is_source_run', 'source_run_id',
].toSorted();
const scheduleFields = [
  'command_id', 'organization_id', 'cron_expression', 'id', 'next_run_time', 'last_run_time', 'created_at', 'updated_at',
  'timezone', 'enabled', 'name', 'run_mode', 'created_by_user_id',
].toSorted();

const org = () => fixture.teamId;
const ok = (response: { status: number; body: Record<string, unknown> }, status = 200) => {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
};

let commandCount = 0;
async function command(key = fixture.apiKey): Promise<string> {
  commandCount += 1;
  const saved = await call(
    'POST',
    '/v1/reports/saved',
    { name: `Itemized ledger ${commandCount}`, catalog_report: { report: 'balance_change_from_activity.itemized.1', report_parameters: interval } },
    { key },
  );
  return ok(saved, 201).id as string;
}

let memberCount = 0;
async function member(dataScope: LedgerScope, key = fixture.apiKey): Promise<{ id: string; email: string }> {
  memberCount += 1;
  const body = ok(await call('POST', '/v1/members', { email: `subscriber${memberCount}@example.com`, data_scope: dataScope }, { key }), 201);
  return { id: body.id as string, email: body.email as string };
}

async function schedule(commandId: string, body: Record<string, unknown>) {
  return ok(await call('POST', `/commands/${commandId}/schedules`, { organization_id: org(), cron_expression: yearly, name: 'Daily ledger', ...body }), 201);
}

async function succeeded(runId: string) {
  const run = await waitFor(() => getRun(runId), (current) => current.status !== 'running', { timeoutMs: 120_000 });
  expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
  const download = await fetch(run.result!.file!.download_url.url);
  expect(download.status).toBe(200);
  return { run, csv: await download.text() };
}

describe('scheduled runs per subscriber', () => {
  it('a trigger makes one run per subscriber sharing a thread, each file limited to its member’s scope', async () => {
    const commandId = await command();
    const euro = await member({ currency: ['eur'] });
    const dollar = await member({ currency: ['usd'] });
    const created = await schedule(commandId, { subscriber_user_ids: [euro.id, dollar.id] });
    expect(created).toMatchObject({ run_mode: 'per_subscriber', timezone: 'UTC', enabled: true, command_id: commandId, organization_id: org() });
    expect(created.subscriber_user_ids).toEqual([euro.id, dollar.id].toSorted());

    const fired = ok(await call('POST', `/schedules/${created.id as string}/trigger`, { organization_id: org() }));
    const runs = fired.runs as Record<string, unknown>[];
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((run) => run.thread_id))).toEqual(new Set([fired.thread_id]));
    expect(runs.map((run) => run.user_id).toSorted()).toEqual([euro.id, dollar.id].toSorted());

    const subscribers: [{ id: string; email: string }, LedgerScope][] = [
      [euro, { currency: ['eur'] }],
      [dollar, { currency: ['usd'] }],
    ];
    for (const [subscriber, scope] of subscribers) {
      const run = runs.find((candidate) => candidate.user_id === subscriber.id)!;
      expect(run.user_email).toBe(subscriber.email);
      const { csv } = await succeeded(run.id as string);
      const expected = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, { scope });
      expect(expected.rows).toBeGreaterThan(50);
      expect(csv).toBe(expected.csv);

      // heyhumm's run details, field for field.
      const details = ok(await call('GET', `/reports/runs/${run.id as string}?organization_id=${org()}`));
      expect(Object.keys(details).toSorted()).toEqual(['command_name', 'run', 'schedule']);
      expect(Object.keys(details.run as object).toSorted()).toEqual(runFields);
      expect(Object.keys(details.schedule as object).toSorted()).toEqual(scheduleFields);
      expect(details.command_name).toMatch(/^Itemized ledger/);
      expect(details.run).toMatchObject({
        schedule_id: created.id,
        user_id: subscriber.id,
        status: 'completed',
        thread_id: fired.thread_id,
        is_read: false,
        read_at: null,
        is_source_run: false,
        source_run_id: null,
        error_message: null,
      });
      // The summary's totals, against an independent sum in minor units (both currencies have two decimals).
      const { rows: sums } = await fixture.db.pool.query<{ gross: string }>(
        `SELECT sum(amount)::text AS gross FROM dataset.balance_transactions WHERE created >= $1 AND created < $2 AND currency = ANY($3)`,
        [interval.interval_start, interval.interval_end, scope.currency],
      );
      const minor = BigInt(sums[0]!.gross);
      const sign = minor < 0n ? '-' : '';
      const absolute = minor < 0n ? -minor : minor;
      const gross = `${sign}${(absolute / 100n).toLocaleString('en-US')}.${String(absolute % 100n).padStart(2, '0')}`;
      const summary = (details.run as { summary: string }).summary;
      expect(summary).toMatch(new RegExp(`^${expected.rows.toLocaleString('en-US')} rows, [0-9.]+ KB; gross: ${scope.currency![0]!.toUpperCase()} ${gross.replaceAll('.', '\\.')}; fee: `));
    }

    const page = ok(await call('GET', `/reports/schedules/${created.id as string}/runs?organization_id=${org()}&limit=1`));
    expect(page.command_name).toMatch(/^Itemized ledger/);
    expect(page.pagination).toEqual({ limit: 1, offset: 0, total: 2, has_more: true });
    expect(page.runs as unknown[]).toHaveLength(1);

    // The history shows the manual slot.
    const detail = ok(await call('GET', `/schedules/${created.id as string}?organization_id=${org()}`));
    expect(detail.slots).toEqual([expect.objectContaining({ state: 'fired', kind: 'manual', thread_id: fired.thread_id })]);
  });

  it('once_and_distribute makes one run and a read receipt per subscriber; the first read wins', async () => {
    const commandId = await command();
    const first = await member({ currency: ['eur', 'usd'] });
    const second = await member({ currency: ['usd'] });
    const created = await schedule(commandId, { run_mode: 'once_and_distribute', subscriber_user_ids: [first.id, second.id] });
    const fired = ok(await call('POST', `/schedules/${created.id as string}/trigger`, { organization_id: org() }));
    const runs = fired.runs as Record<string, unknown>[];
    expect(runs).toHaveLength(1);
    const runId = runs[0]!.id as string;
    expect(runs[0]).toMatchObject({ user_id: null, user_email: null, is_read: false });
    // The scope all subscribers share: USD only.
    const { csv } = await succeeded(runId);
    expect(csv).toBe((await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, { scope: { currency: ['usd'] } })).csv);

    // Two recipients: the reader must be named.
    const unnamed = await call('POST', `/reports/runs/${runId}/read`, { organization_id: org() });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body).toMatchObject({ param: 'user_id' });
    const stranger = await member({});
    const notRecipient = await call('POST', `/reports/runs/${runId}/read`, { organization_id: org(), user_id: stranger.id });
    expect(notRecipient.body).toMatchObject({ status: 400, param: 'user_id' });

    const read = ok(await call('POST', `/reports/runs/${runId}/read`, { organization_id: org(), user_id: first.id }));
    expect(read.is_read).toBe(true);
    const readAt = read.read_at as string;
    const again = ok(await call('POST', `/reports/runs/${runId}/read`, { organization_id: org(), user_id: first.id }));
    expect(again.read_at).toBe(readAt);

    const list = (query: string) => call('GET', `/reports/runs?organization_id=${org()}&${query}`).then((response) => ok(response).runs as Record<string, unknown>[]);
    expect((await list(`user_id=${first.id}&is_read=true`)).map((run) => run.id)).toEqual([runId]);
    expect(await list(`user_id=${first.id}&is_read=false`)).toEqual([]);
    expect((await list(`user_id=${second.id}&is_read=false`)).map((run) => run.id)).toEqual([runId]);
    expect(await list(`user_id=${second.id}&is_read=true`)).toEqual([]);
    expect(await list(`user_id=${stranger.id}`)).toEqual([]);
    // Without a member, is_read says whether anyone has read it.
    expect((await list(`schedule_id=${created.id as string}&is_read=true`)).map((run) => run.id)).toEqual([runId]);
  });

  it('a re-run is a new run pointing at its source, which becomes a source run', async () => {
    const commandId = await command();
    const reader = await member({ currency: ['gbp'] });
    const created = await schedule(commandId, { subscriber_user_ids: [reader.id] });
    const fired = ok(await call('POST', `/schedules/${created.id as string}/trigger`, { organization_id: org() }));
    const original = (fired.runs as Record<string, unknown>[])[0]!;
    await succeeded(original.id as string);
    ok(await call('POST', `/reports/runs/${original.id as string}/read`, { organization_id: org() }));

    const rerun = ok(await call('POST', `/reports/runs/${original.id as string}/rerun`, { organization_id: org() }), 201);
    expect(rerun.id).not.toBe(original.id);
    expect(rerun).toMatchObject({
      source_run_id: original.id,
      is_source_run: false,
      schedule_id: created.id,
      user_id: reader.id,
      thread_id: fired.thread_id,
      is_read: false,
    });
    const source = ok(await call('GET', `/reports/runs/${original.id as string}?organization_id=${org()}`));
    expect(source.run).toMatchObject({ is_source_run: true, is_read: true });
    // The re-run shows the same rows: the scope the original was made with.
    const [first, second] = await Promise.all([succeeded(original.id as string), succeeded(rerun.id as string)]);
    expect(second.csv).toBe(first.csv);

    const bySchedule = ok(await call('GET', `/reports/runs?organization_id=${org()}&schedule_id=${created.id as string}`));
    expect((bySchedule.runs as { id: string }[]).map((run) => run.id)).toEqual([rerun.id, original.id]);
    const unread = ok(await call('GET', `/reports/runs?organization_id=${org()}&user_id=${reader.id}&is_read=false`));
    expect((unread.runs as { id: string }[]).map((run) => run.id)).toEqual([rerun.id]);
  });
});

describe('schedules', () => {
  it('shows the next five firings from next_run_time; a new cron or zone moves next_run_time at once', async () => {
    const commandId = await command();
    const created = await schedule(commandId, { cron_expression: '30 2 * * *', timezone: 'America/New_York' });
    const upcoming = created.upcoming_run_times as string[];
    expect(upcoming).toHaveLength(5);
    expect(upcoming[0]).toBe(created.next_run_time);
    const expectedNext = nextFiring(zonedCron('30 2 * * *', 'America/New_York'), new Date(created.updated_at as string))!;
    expect(created.next_run_time).toBe(expectedNext.toISOString());
    for (let index = 1; index < 5; index += 1)
      expect(upcoming[index]).toBe(nextFiring(zonedCron('30 2 * * *', 'America/New_York'), new Date(upcoming[index - 1]!))!.toISOString());

    const moved = ok(await call('PUT', `/schedules/${created.id as string}`, { organization_id: org(), cron_expression: '45 6 * * *' }));
    expect(moved.next_run_time).toBe(nextFiring(zonedCron('45 6 * * *', 'America/New_York'), new Date(moved.updated_at as string))!.toISOString());
    expect(moved.next_run_time).not.toBe(created.next_run_time);
    const rezoned = ok(await call('PUT', `/schedules/${created.id as string}`, { organization_id: org(), timezone: 'Asia/Kolkata' }));
    expect(rezoned.next_run_time).toBe(nextFiring(zonedCron('45 6 * * *', 'Asia/Kolkata'), new Date(rezoned.updated_at as string))!.toISOString());
    expect(rezoned).toMatchObject({ cron_expression: '45 6 * * *', timezone: 'Asia/Kolkata', name: 'Daily ledger' });
    const stored = await fixture.db.prisma.schedule.findUniqueOrThrow({ where: { id: created.id as string } });
    expect(stored.nextRunTime!.toISOString()).toBe(rezoned.next_run_time);

    const disabled = ok(await call('PUT', `/schedules/${created.id as string}`, { organization_id: org(), enabled: false, name: 'Paused' }));
    expect(disabled).toMatchObject({ enabled: false, next_run_time: null, upcoming_run_times: [], name: 'Paused' });

    const listed = ok(await call('GET', `/commands/${commandId}/schedules?organization_id=${org()}`));
    expect((listed.schedules as { id: string }[]).map((item) => item.id)).toEqual([created.id]);
  });

  it('after DELETE returns, the schedule never fires again', async () => {
    const commandId = await command();
    const created = await schedule(commandId, { cron_expression: '* * * * * *' });
    const deleted = ok(await call('DELETE', `/schedules/${created.id as string}?organization_id=${org()}`));
    expect(deleted).toEqual({ id: created.id, deleted: true });
    // A firing pass well past its next instant finds nothing of it to fire.
    const later = new Date(Date.now() + 3_600_000);
    const pass = await fireDueSchedules(
      { prisma: fixture.db.prisma, queue: producer.queue, logger: createLogger('schedules-test', 'silent') },
      { runTimeoutSeconds: 60 },
      later,
    );
    expect(pass.fired.filter((slot) => slot.scheduleId === created.id)).toEqual([]);
    expect(await fixture.db.prisma.scheduleSlot.count({ where: { scheduleId: created.id as string } })).toBe(0);
    expect((await call('GET', `/schedules/${created.id as string}?organization_id=${org()}`)).status).toBe(404);
    expect((await call('POST', `/schedules/${created.id as string}/trigger`, { organization_id: org() })).status).toBe(404);
    expect((await call('DELETE', `/schedules/${created.id as string}?organization_id=${org()}`)).status).toBe(404);
  });

  it('refuses bad input before storing anything, naming the field', async () => {
    const commandId = await command();
    const strangerOfOtherTeam = await member({}, fixture.otherTeamKey);
    const before = await fixture.db.prisma.schedule.count();
    const cases: [Record<string, unknown>, number, Record<string, unknown>][] = [
      [{ cron_expression: 'every day' }, 400, { code: 'cron_expression_invalid', param: 'cron_expression' }],
      [{ cron_expression: '0 0 30 2 *' }, 400, { code: 'cron_expression_invalid', param: 'cron_expression' }],
      [{ timezone: 'UTC+3' }, 400, { code: 'timezone_invalid', param: 'timezone' }],
      [{ timezone: 'Mars/Olympus_Mons' }, 400, { code: 'timezone_invalid', param: 'timezone' }],
      [{ subscriber_user_ids: [strangerOfOtherTeam.id] }, 400, { param: 'subscriber_user_ids' }],
      [{ subscriber_user_ids: ['not-a-uuid'] }, 400, { param: 'subscriber_user_ids[0]' }],
      [{ run_mode: 'every_now_and_then' }, 400, { param: 'run_mode' }],
      [{ organization_id: undefined }, 400, { param: 'organization_id' }],
      [{ organization_id: fixture.otherTeamId }, 404, { code: 'team_not_found' }],
      [{ command_id: crypto.randomUUID() }, 400, { param: 'command_id' }],
    ];
    for (const [change, status, problem] of cases) {
      const response = await call('POST', `/commands/${commandId}/schedules`, { organization_id: org(), cron_expression: yearly, name: 'Bad', ...change });
      expect(response.status, JSON.stringify(change)).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject(problem);
    }
    // Another team's command is not found, as if it did not exist.
    const othersCommand = await command(fixture.otherTeamKey);
    const foreign = await call('POST', `/commands/${othersCommand}/schedules`, { organization_id: org(), cron_expression: yearly, name: 'Foreign' });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ code: 'command_not_found' });
    expect(await fixture.db.prisma.schedule.count()).toBe(before);

    // A PUT is checked the same way, and leaves the schedule as it was.
    const created = await schedule(commandId, {});
    const badPut = await call('PUT', `/schedules/${created.id as string}`, { organization_id: org(), timezone: '+03:00' });
    expect(badPut.body).toMatchObject({ status: 400, param: 'timezone' });
    const unchanged = ok(await call('GET', `/schedules/${created.id as string}?organization_id=${org()}`));
    expect(unchanged.timezone).toBe('UTC');
  });

  it("another organization's schedules and runs are not found, and a GET without organization_id is 400", async () => {
    const commandId = await command();
    const created = await schedule(commandId, {});
    const fired = ok(await call('POST', `/schedules/${created.id as string}/trigger`, { organization_id: org() }));
    const runId = (fired.runs as { id: string }[])[0]!.id;
    const otherOrg = fixture.otherTeamId;
    const other = { key: fixture.otherTeamKey };
    expect((await call('GET', `/schedules/${created.id as string}?organization_id=${otherOrg}`, undefined, other)).body).toMatchObject({ status: 404, code: 'schedule_not_found' });
    expect((await call('GET', `/reports/runs/${runId}?organization_id=${otherOrg}`, undefined, other)).body).toMatchObject({ status: 404, code: 'report_run_not_found' });
    expect((await call('POST', `/reports/runs/${runId}/rerun`, { organization_id: otherOrg }, other)).status).toBe(404);
    expect((await call('PUT', `/schedules/${created.id as string}`, { organization_id: otherOrg, name: 'Taken' }, other)).status).toBe(404);
    // Naming another organization with our key is 404 too.
    expect((await call('GET', `/schedules/${created.id as string}?organization_id=${otherOrg}`)).body).toMatchObject({ status: 404, code: 'team_not_found' });
    const missing = await call('GET', `/schedules/${created.id as string}`);
    expect(missing.body).toMatchObject({ status: 400, param: 'organization_id' });
    expect((await call('GET', `/reports/runs?organization_id=${otherOrg}`, undefined, other)).body).toMatchObject({ runs: [] });
    // A run made outside any schedule is not a scheduled run.
    const plain = await fixture.client.createRun();
    expect((await call('GET', `/reports/runs/${plain.id}?organization_id=${org()}`)).status).toBe(404);
  });
});
