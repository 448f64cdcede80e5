import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import {
  apiKeyUseRecordIntervalMs,
  createApiKey,
  createDatabase,
  createTeam,
  recordApiKeyUse,
  revokeApiKey,
  type Database,
} from '@reportrun/db';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@reportrun/testing';
import { startApiServer, type RunningApi } from '../src/index.ts';

/** `last_used_at` tells a team which keys are still in use before they revoke one. */

let environment: TestEnvironment;
let db: Database;
let api: RunningApi;
let teamId: string;

beforeAll(async () => {
  environment = await createTestEnvironment();
  db = createDatabase(environment.config.DATABASE_URL);
  teamId = (await createTeam(db.prisma, 'Key use team')).id;
  api = await startApiServer({ ...environment.config, PORT: 0 }, createLogger('api-test', 'silent'));
});

afterAll(async () => {
  await api?.close();
  await db?.close();
  await environment?.cleanup();
});

const lastUsedAt = async (keyId: string) =>
  (await db.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } })).lastUsedAt;

const list = (secret: string) =>
  fetch(`${api.url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${secret}` } });

describe("an API key's last use", () => {
  it('is recorded when the key authenticates a request', async () => {
    const key = await createApiKey(db.prisma, { teamId, livemode: false, name: 'used' });
    const unused = await createApiKey(db.prisma, { teamId, livemode: false, name: 'unused' });
    expect(await lastUsedAt(key.id)).toBeNull();
    const before = Date.now();
    expect((await list(key.secret)).status).toBe(200);
    const recorded = await waitFor(() => lastUsedAt(key.id), (value) => value !== null);
    expect(recorded!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(recorded!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await lastUsedAt(unused.id)).toBeNull();
  });

  it('moves forward once the recorded use is older than the interval', async () => {
    const key = await createApiKey(db.prisma, { teamId, livemode: false, name: 'stale' });
    const longAgo = new Date(Date.now() - apiKeyUseRecordIntervalMs - 5_000);
    await db.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: longAgo } });
    expect((await list(key.secret)).status).toBe(200);
    const recorded = await waitFor(() => lastUsedAt(key.id), (value) => value!.getTime() > longAgo.getTime());
    expect(recorded!.getTime()).toBeGreaterThan(Date.now() - apiKeyUseRecordIntervalMs);
  });

  it('is written at most once per interval, however many requests race', async () => {
    const key = await createApiKey(db.prisma, { teamId, livemode: false, name: 'busy' });
    const now = new Date();
    const writes = await Promise.all(Array.from({ length: 10 }, () => recordApiKeyUse(db.prisma, key.id, now)));
    expect(writes.filter(Boolean)).toHaveLength(1);
    // Within the interval nothing is written; a clock behind the recorded time never moves it back.
    expect(await recordApiKeyUse(db.prisma, key.id, new Date(now.getTime() + apiKeyUseRecordIntervalMs - 1))).toBe(false);
    expect(await recordApiKeyUse(db.prisma, key.id, new Date(now.getTime() - 3_600_000))).toBe(false);
    expect((await lastUsedAt(key.id))!.getTime()).toBe(now.getTime());
    const later = new Date(now.getTime() + apiKeyUseRecordIntervalMs);
    expect(await recordApiKeyUse(db.prisma, key.id, later)).toBe(true);
    expect((await lastUsedAt(key.id))!.getTime()).toBe(later.getTime());
  });

  it('is not recorded for a revoked key, which is refused', async () => {
    const key = await createApiKey(db.prisma, { teamId, livemode: false, name: 'revoked' });
    await revokeApiKey(db.prisma, key.id);
    expect((await list(key.secret)).status).toBe(401);
    // The refusal happens before any use is recorded; a later request with a live key shows the
    // API did record uses meanwhile, so this null is not just a write still in flight.
    const live = await createApiKey(db.prisma, { teamId, livemode: false, name: 'witness' });
    expect((await list(live.secret)).status).toBe(200);
    await waitFor(() => lastUsedAt(live.id), (value) => value !== null);
    expect(await lastUsedAt(key.id)).toBeNull();
  });
});
