import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { useTestFixture } from '@reportrun/testing';

/** `reportrun members …`, `schedules …` and `keys …`, run as the real binary against a real API. */
const fixture = useTestFixture({ database, team: 'CLI schedules team', api: true });

const bin = fileURLToPath(new URL('../bin/reportrun.js', import.meta.url));

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function reportrun(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: {
          PATH: process.env.PATH ?? '',
          REPORTRUN_API_URL: fixture.api.url,
          REPORTRUN_API_KEY: fixture.apiKey,
          REPORTRUN_ORGANIZATION_ID: fixture.teamId,
          ...env,
        },
      },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

async function json<T>(args: string[]): Promise<T> {
  const outcome = await reportrun([...args, '--json']);
  expect(outcome.code, outcome.stderr).toBe(0);
  return JSON.parse(outcome.stdout) as T;
}

describe('reportrun members', () => {
  it('creates, lists, reads, updates and deletes a member with a data scope', async () => {
    const created = await json<{ id: string; email: string; data_scope: Record<string, string[]> }>([
      'members', 'create', '--email', 'Cli.Member@example.com', '--scope', 'currency=usd,eur', '--scope', 'customer=',
    ]);
    expect(created).toMatchObject({ email: 'cli.member@example.com', data_scope: { currency: ['eur', 'usd'] } });

    const listed = await reportrun(['members', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).toContain('currency=eur,usd');

    const updated = await json<{ data_scope: Record<string, string[]> }>(['members', 'update', created.id, '--scope', 'customer=cus_000001']);
    expect(updated.data_scope).toEqual({ customer: ['cus_000001'] });
    expect((await json<{ email: string }>(['members', 'get', created.id])).email).toBe('cli.member@example.com');

    const deleted = await reportrun(['members', 'delete', created.id]);
    expect(deleted).toMatchObject({ code: 0, stdout: `${created.id}  deleted\n` });
    const gone = await reportrun(['members', 'get', created.id]);
    expect(gone.code).toBe(66);
    expect(gone.stderr).toContain('member_not_found');
    expect((await reportrun(['members', 'create'])).code).toBe(64);
    const badScope = await reportrun(['members', 'create', '--email', 'x@example.com', '--scope', 'planet=mars']);
    expect(badScope.code).toBe(65);
  });
});

describe('reportrun schedules', () => {
  it('creates, lists, reads, updates, triggers and deletes a schedule', async () => {
    const saved = await fixture.client.call('POST', '/v1/reports/saved', {
      name: 'CLI command',
      query: { dataset: 'balance_transactions', time_range: { relative: 'previous_day' }, measures: [{ aggregate: 'count' }] },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const commandId = saved.body.id as string;
    const member = await json<{ id: string }>(['members', 'create', '--email', 'subscriber@example.com']);

    const created = await json<{ id: string; next_run_time: string; upcoming_run_times: string[]; subscriber_user_ids: string[] }>([
      'schedules', 'create', '--command', commandId, '--cron', '30 2 * * *', '--timezone', 'America/New_York', '--name', 'Nightly',
      '--subscriber', member.id,
    ]);
    expect(created.upcoming_run_times).toHaveLength(5);
    expect(created.upcoming_run_times[0]).toBe(created.next_run_time);
    expect(created.subscriber_user_ids).toEqual([member.id]);

    const listed = await reportrun(['schedules', 'list', '--command', commandId]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).toContain('30 2 * * * America/New_York');
    const shown = await reportrun(['schedules', 'get', created.id]);
    expect(shown.stdout).toContain('Nightly  enabled');

    const moved = await json<{ next_run_time: string; timezone: string }>(['schedules', 'update', created.id, '--timezone', 'Europe/Berlin']);
    expect(moved.timezone).toBe('Europe/Berlin');
    expect(moved.next_run_time).not.toBe(created.next_run_time);
    const paused = await json<{ enabled: boolean; next_run_time: string | null }>(['schedules', 'update', created.id, '--disable']);
    expect(paused).toMatchObject({ enabled: false, next_run_time: null });

    const fired = await json<{ thread_id: string; runs: { user_id: string; thread_id: string }[] }>(['schedules', 'trigger', created.id]);
    expect(fired.runs).toEqual([expect.objectContaining({ user_id: member.id, thread_id: fired.thread_id })]);

    const badZone = await reportrun(['schedules', 'update', created.id, '--timezone', 'UTC+3']);
    expect(badZone.code).toBe(65);
    expect(badZone.stderr).toContain('param timezone');
    const noOrg = await reportrun(['schedules', 'get', created.id], { REPORTRUN_ORGANIZATION_ID: '' });
    expect(noOrg.code).toBe(64);

    expect((await reportrun(['schedules', 'delete', created.id])).code).toBe(0);
    expect((await reportrun(['schedules', 'get', created.id])).code).toBe(66);
  });
});

describe('reportrun keys', () => {
  it('creates a key that works at once and shows its secret once, lists keys without secrets, and revokes it', async () => {
    const created = await reportrun(['keys', 'create', '--name', 'CLI made']);
    expect(created.code, created.stderr).toBe(0);
    const secret = /secret \(shown once, store it now\): (rr_test_[0-9A-Za-z]+)/.exec(created.stdout)![1]!;
    const keyId = /^(key_[0-9a-z]{26}) {2}test {2}CLI made$/m.exec(created.stdout)![1]!;
    // The new key authenticates at once.
    expect((await reportrun(['keys', 'list'], { REPORTRUN_API_KEY: secret })).code).toBe(0);

    const listed = await reportrun(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(keyId);
    expect(listed.stdout).not.toContain(secret);

    expect((await reportrun(['keys', 'create'])).code).toBe(64);
    const revoked = await reportrun(['keys', 'revoke', keyId]);
    expect(revoked).toMatchObject({ code: 0, stdout: `${keyId}  revoked\n` });
    expect((await reportrun(['keys', 'list'], { REPORTRUN_API_KEY: secret })).code).toBe(77);
    expect((await reportrun(['keys', 'revoke', keyId])).code).toBe(66);
  });
});
