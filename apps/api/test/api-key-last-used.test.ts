import { describe, expect, it } from 'vitest';
import {
  apiKeyUseRecordIntervalMs,
  createApiKey,
  recordApiKeyUse,
  revokeApiKey,
} from '@reportrun/db';
import * as database from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';

/** `last_used_at` tells a team which keys are still in use before they revoke one. */

const fixture = useTestFixture({ database, team: 'Key use team', api: inProcessApi });

const lastUsedAt = async (keyId: string) =>
  (await fixture.db.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } })).lastUsedAt;

const list = (secret: string) =>
  fetch(`${fixture.api.url}/v2/reporting/reports`, { headers: { authorization: `Bearer ${secret}` } });

describe("an API key's last use", () => {
  it('is recorded when the key authenticates a request', async () => {
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'used' });
    const unused = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'unused' });
    expect(await lastUsedAt(key.id)).toBeNull();
    const before = Date.now();
    expect((await list(key.secret)).status).toBe(200);
    const recorded = await waitFor(() => lastUsedAt(key.id), (value) => value !== null);
    expect(recorded!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(recorded!.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await lastUsedAt(unused.id)).toBeNull();
  });

  it('moves forward once the recorded use is older than the interval', async () => {
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'stale' });
    const longAgo = new Date(Date.now() - apiKeyUseRecordIntervalMs - 5_000);
    await fixture.db.prisma.apiKey.update({ where: { id: key.id }, data: { lastUsedAt: longAgo } });
    expect((await list(key.secret)).status).toBe(200);
    const recorded = await waitFor(() => lastUsedAt(key.id), (value) => value!.getTime() > longAgo.getTime());
    expect(recorded!.getTime()).toBeGreaterThan(Date.now() - apiKeyUseRecordIntervalMs);
  });

  it('is written at most once per interval, however many requests race', async () => {
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'busy' });
    const now = new Date();
    const writes = await Promise.all(Array.from({ length: 10 }, () => recordApiKeyUse(fixture.db.prisma, key.id, now)));
    expect(writes.filter(Boolean)).toHaveLength(1);
    // Within the interval nothing is written; a clock behind the recorded time never moves it back.
    expect(await recordApiKeyUse(fixture.db.prisma, key.id, new Date(now.getTime() + apiKeyUseRecordIntervalMs - 1))).toBe(false);
    expect(await recordApiKeyUse(fixture.db.prisma, key.id, new Date(now.getTime() - 3_600_000))).toBe(false);
    expect((await lastUsedAt(key.id))!.getTime()).toBe(now.getTime());
    const later = new Date(now.getTime() + apiKeyUseRecordIntervalMs);
    expect(await recordApiKeyUse(fixture.db.prisma, key.id, later)).toBe(true);
    expect((await lastUsedAt(key.id))!.getTime()).toBe(later.getTime());
  });

  it('is not recorded for a revoked key, which is refused', async () => {
    const key = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'revoked' });
    await revokeApiKey(fixture.db.prisma, key.id);
    expect((await list(key.secret)).status).toBe(401);
    // The refusal happens before any use is recorded; a later request with a live key shows the
    // API did record uses meanwhile, so this null is not just a write still in flight.
    const live = await createApiKey(fixture.db.prisma, { teamId: fixture.teamId, livemode: false, name: 'witness' });
    expect((await list(live.secret)).status).toBe(200);
    await waitFor(() => lastUsedAt(live.id), (value) => value !== null);
    expect(await lastUsedAt(key.id)).toBeNull();
  });
});
