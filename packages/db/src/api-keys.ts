import { createHash, randomBytes } from 'node:crypto';
import { idPrefix, newId } from '@reportrun/core';
import { ApiKeyNotFound, ApiKeyRevokesItself } from './api-key-errors.ts';
import type { PrismaClient } from './client.ts';
import type { Queryable } from './queryable.ts';

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function hashApiKeySecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function randomBase62(length: number): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps every
  // character equally likely.
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += base62[byte % 62];
    }
  }
  return out;
}

export interface IssuedApiKey {
  id: string;
  teamId: string;
  livemode: boolean;
  name: string;
  /** The secret, available only now: only its hash is stored. */
  secret: string;
}

export async function createApiKey(
  prisma: PrismaClient,
  input: { teamId: string; livemode: boolean; name: string },
): Promise<IssuedApiKey> {
  const secret = `rr_${input.livemode ? 'live' : 'test'}_${randomBase62(32)}`;
  const id = newId(idPrefix.apiKey);
  await prisma.apiKey.create({
    data: {
      id,
      teamId: input.teamId,
      livemode: input.livemode,
      name: input.name,
      secretHash: hashApiKeySecret(secret),
      redacted: `${secret.slice(0, 12)}…${secret.slice(-4)}`,
    },
  });
  return { id, ...input, secret };
}

export interface ApiKeyPrincipal {
  keyId: string;
  teamId: string;
  livemode: boolean;
}

/** A key that authenticated, and when its use was last recorded. */
export interface AuthenticatedApiKey {
  principal: ApiKeyPrincipal;
  lastUsedAt: Date | null;
}

interface ApiKeyRow {
  id: string;
  team_id: string;
  livemode: boolean;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

/** The one rule for a presented secret: its hash names a key, and the key is not revoked. */
const apiKeyBySecretHashSql =
  'SELECT id, team_id, livemode, revoked_at, last_used_at FROM "public"."api_keys" WHERE secret_hash = $1';

function authenticatedKeyOf(row: ApiKeyRow | undefined): AuthenticatedApiKey | null {
  if (!row || row.revoked_at) return null;
  return { principal: { keyId: row.id, teamId: row.team_id, livemode: row.livemode }, lastUsedAt: row.last_used_at };
}

/** Resolves a presented secret to its team and mode; null when unknown or revoked. */
export async function findApiKeyBySecret(
  prisma: PrismaClient,
  secret: string,
): Promise<ApiKeyPrincipal | null> {
  const rows = await prisma.$queryRawUnsafe<ApiKeyRow[]>(apiKeyBySecretHashSql, hashApiKeySecret(secret));
  return authenticatedKeyOf(rows[0])?.principal ?? null;
}

/** The key a secret hash names (see `hashApiKeySecret`), on every authenticated request. */
export async function authenticateApiKeyHash(db: Queryable, secretHash: string): Promise<AuthenticatedApiKey | null> {
  const { rows } = await db.query<ApiKeyRow>({ name: 'authenticate-api-key', text: apiKeyBySecretHashSql, values: [secretHash] });
  return authenticatedKeyOf(rows[0]);
}

/** `last_used_at` is kept to this precision: one write per key per interval, not per request. */
export const apiKeyUseRecordIntervalMs = 60_000;

/**
 * Records that a key was used at `now`, unless a use within the last interval was already
 * recorded. One conditional UPDATE, so any number of API processes write at most about once per
 * interval per key, and an older clock never moves the time back. True when it wrote.
 */
export async function recordApiKeyUse(
  prisma: PrismaClient,
  keyId: string,
  now: Date = new Date(),
  intervalMs: number = apiKeyUseRecordIntervalMs,
): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({
    where: {
      id: keyId,
      OR: [{ lastUsedAt: null }, { lastUsedAt: { lte: new Date(now.getTime() - intervalMs) } }],
    },
    data: { lastUsedAt: now },
  });
  return count === 1;
}

export async function revokeApiKey(prisma: PrismaClient, keyId: string): Promise<boolean> {
  const { count } = await prisma.apiKey.updateMany({
    where: { id: keyId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  return count === 1;
}

export async function createTeam(prisma: PrismaClient, name: string, id = newId(idPrefix.team)) {
  return prisma.team.create({ data: { id, name } });
}

/** What may be shown about a key: everything but its secret (only a redacted prefix). */
export interface ApiKeySummary {
  id: string;
  teamId: string;
  name: string;
  livemode: boolean;
  redacted: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function listApiKeys(prisma: PrismaClient, teamId: string): Promise<ApiKeySummary[]> {
  return prisma.apiKey.findMany({
    where: { teamId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: {
      id: true,
      teamId: true,
      name: true,
      livemode: true,
      redacted: true,
      createdAt: true,
      lastUsedAt: true,
      revokedAt: true,
    },
  });
}

/** The team's keys that still work, oldest first: what `GET /v1/api_keys` shows. */
export async function listActiveApiKeys(prisma: PrismaClient, teamId: string): Promise<ApiKeySummary[]> {
  return (await listApiKeys(prisma, teamId)).filter((key) => key.revokedAt === null);
}

/** A key of this team, or ApiKeyNotFound (also for a revoked key or another team's key). */
export async function getActiveApiKey(prisma: PrismaClient, teamId: string, keyId: string): Promise<ApiKeySummary> {
  const key = (await listActiveApiKeys(prisma, teamId)).find((candidate) => candidate.id === keyId);
  if (!key) throw new ApiKeyNotFound(keyId);
  return key;
}

/**
 * Revokes a key of the team on behalf of another key of the same team. One conditional UPDATE
 * fenced by team and `revoked_at IS NULL`, so revoking twice, or another team's key, finds nothing.
 */
export async function revokeTeamApiKey(
  prisma: PrismaClient,
  input: { teamId: string; keyId: string; revokedBy: string },
): Promise<void> {
  if (input.keyId === input.revokedBy) throw new ApiKeyRevokesItself(input.keyId);
  const { count } = await prisma.apiKey.updateMany({
    where: { id: input.keyId, teamId: input.teamId, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (count !== 1) throw new ApiKeyNotFound(input.keyId);
}
