import { describe, expect, it } from 'vitest';
import { apiKeyChangeChannel, createApiKey, revokeApiKey } from '@reportrun/db';
import * as database from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';

/**
 * The API keeps keys that authenticated in memory; a key revoked anywhere (here: straight in the
 * database, as another API process or the CLI would) must stop working at once, including while
 * the process's key-change listener is being cut off from outside.
 */

const fixture = useTestFixture({ database, team: 'Key cache team', api: inProcessApi });

const list = (secret: string) =>
  fetch(`${fixture.api.url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${secret}` } });

/** The API's listener backend, as Postgres sees it. */
async function listenerPids(): Promise<number[]> {
  const { rows } = await fixture.db.pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = $1`,
    [`LISTEN ${apiKeyChangeChannel}`],
  );
  return rows.map((row) => row.pid);
}

describe('API keys kept in memory', () => {
  it('a used key is served from memory: requests pass while the keys table is locked', async () => {
    await waitFor(listenerPids, (pids) => pids.length === 1);
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'busy' });
    const unused = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'never used' });
    expect((await list(key.secret)).status).toBe(200);
    const locker = await fixture.db.pool.connect();
    try {
      // A lookup would wait for this lock; a key from memory does not.
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE "public"."api_keys" IN ACCESS EXCLUSIVE MODE');
      for (let index = 0; index < 5; index += 1) {
        expect((await fetch(`${fixture.api.url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${key.secret}` }, signal: AbortSignal.timeout(3000) })).status).toBe(200);
      }
      // The witness: a key that is not in memory does wait.
      await expect(
        fetch(`${fixture.api.url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${unused.secret}` }, signal: AbortSignal.timeout(1000) }),
      ).rejects.toThrow();
    } finally {
      await locker.query('ROLLBACK');
      locker.release();
    }
    expect((await list(unused.secret)).status).toBe(200);
  });

  it('a key revoked in the database by someone else is refused at once', async () => {
    await waitFor(listenerPids, (pids) => pids.length === 1);
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'revoked elsewhere' });
    for (let index = 0; index < 3; index += 1) expect((await list(key.secret)).status).toBe(200);
    await revokeApiKey(fixture.db.prisma, key.id);
    // The announcement travels on its own connection: well within a second, never the cache's lifetime.
    const refusedAfter = Date.now();
    await waitFor(async () => (await list(key.secret)).status, (status) => status === 401, { timeoutMs: 2000 });
    expect(Date.now() - refusedAfter).toBeLessThan(2000);
  });

  it('a key whose team is deleted is refused at once', async () => {
    await waitFor(listenerPids, (pids) => pids.length === 1);
    const team = await database.createTeam(fixture.db.prisma, 'Short-lived team');
    const key = await createApiKey(fixture.db.prisma, { teamId: team.id, livemode: false, name: 'doomed' });
    expect((await list(key.secret)).status).toBe(200);
    await fixture.db.prisma.team.delete({ where: { id: team.id } });
    await waitFor(async () => (await list(key.secret)).status, (status) => status === 401, { timeoutMs: 2000 });
  });

  it('with its listener killed from outside, the API looks keys up every time, so a revocation still holds; it listens again', async () => {
    const [pid] = await waitFor(listenerPids, (pids) => pids.length === 1);
    const first = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'first' });
    const second = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'second' });
    expect((await list(first.secret)).status).toBe(200);
    expect((await list(second.secret)).status).toBe(200);

    await fixture.db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    // Revoked while nobody listens: the announcement is lost, so the key must not come from memory.
    await revokeApiKey(fixture.db.prisma, first.id);
    await waitFor(async () => (await list(first.secret)).status, (status) => status === 401, { timeoutMs: 2000 });
    expect((await list(second.secret)).status).toBe(200);

    // A new listener, and revocations are heard again.
    const [next] = await waitFor(listenerPids, (pids) => pids.length === 1 && pids[0] !== pid, { timeoutMs: 15_000 });
    expect(next).not.toBe(pid);
    expect((await list(second.secret)).status).toBe(200);
    await revokeApiKey(fixture.db.prisma, second.id);
    await waitFor(async () => (await list(second.secret)).status, (status) => status === 401, { timeoutMs: 2000 });
  });
});
