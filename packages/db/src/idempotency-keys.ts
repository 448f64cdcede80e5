import { randomUUID } from 'node:crypto';
import type { PrismaClient } from './client.ts';
import type { Queryable } from './queryable.ts';

/** How long a key and its stored response are kept; after that the key may name a new request. */
export const idempotencyKeyRetentionSeconds = 24 * 3600;

/**
 * How long a claim may stay unfinished before another request with the same key and body may
 * take it over. A claim this old belongs to a process that died mid-request (requests are
 * bounded far below this), so waiting longer would only keep the key unusable for a day.
 */
export const idempotencyClaimLeaseSeconds = 60;

/** Keys are per team and mode: two teams, or test and live mode, never see each other's keys. */
export interface IdempotencyScope {
  teamId: string;
  livemode: boolean;
  key: string;
}

/** What the key is being used for; `hash` covers method, path and body. */
export interface IdempotentRequest {
  method: string;
  path: string;
  hash: string;
}

export interface StoredResponse {
  status: number;
  /** The body exactly as it was sent. */
  body: string;
}

export type IdempotencyClaim =
  /** This request owns the key: it must `complete` or `release` the claim with `claimId`. */
  | { outcome: 'claimed'; claimId: string }
  /** The same request already finished; answer with its response. */
  | { outcome: 'completed'; response: StoredResponse }
  /** The key was used for a different request. */
  | { outcome: 'mismatch'; original: { method: string; path: string } }
  /** The same request is being handled right now by someone else. */
  | { outcome: 'in_progress' };

export interface ClaimOptions {
  retentionSeconds?: number;
  leaseSeconds?: number;
}

/**
 * Insert-first: the INSERT either creates the key (this request owns it) or meets the existing
 * row, which it takes over only when that row has expired, or is an abandoned claim of the same
 * request. The primary key serializes concurrent claims, so exactly one request wins; the others
 * read the winner's row and learn whether to replay, wait or refuse.
 */
export async function claimIdempotencyKey(
  db: Queryable,
  scope: IdempotencyScope,
  request: IdempotentRequest,
  {
    retentionSeconds = idempotencyKeyRetentionSeconds,
    leaseSeconds = idempotencyClaimLeaseSeconds,
  }: ClaimOptions = {},
): Promise<IdempotencyClaim> {
  // A row can vanish between the INSERT and the SELECT (its owner released it after an error);
  // then the INSERT is simply tried again. Two rounds suffice unless releases keep racing us.
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const claimId = randomUUID();
    const claimed = await db.query<{ locked_by: string }>({
      name: 'claim-idempotency-key',
      text: `
      INSERT INTO "public"."idempotency_keys"
             (team_id, livemode, key, request_method, request_path, request_hash, locked_by, locked_at, created_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())
      ON CONFLICT (team_id, livemode, key) DO UPDATE
         SET request_method = excluded.request_method,
             request_path = excluded.request_path,
             request_hash = excluded.request_hash,
             locked_by = excluded.locked_by,
             locked_at = excluded.locked_at,
             created_at = excluded.created_at,
             response_status = NULL,
             response_body = NULL,
             completed_at = NULL
       WHERE idempotency_keys.created_at <= now() - make_interval(secs => $8::float8)
          OR (idempotency_keys.response_status IS NULL
              AND idempotency_keys.request_hash = excluded.request_hash
              AND idempotency_keys.locked_at <= now() - make_interval(secs => $9::float8))
   RETURNING locked_by`,
      values: [scope.teamId, scope.livemode, scope.key, request.method, request.path, request.hash, claimId, retentionSeconds, leaseSeconds],
    });
    if (claimed.rows[0]?.locked_by === claimId) return { outcome: 'claimed', claimId };

    const { rows } = await db.query<{
      request_hash: string;
      request_method: string;
      request_path: string;
      response_status: number | null;
      response_body: string | null;
    }>({
      name: 'read-idempotency-key',
      text: `SELECT request_hash, request_method, request_path, response_status, response_body
               FROM "public"."idempotency_keys" WHERE team_id = $1 AND livemode = $2 AND key = $3`,
      values: [scope.teamId, scope.livemode, scope.key],
    });
    const existing = rows[0];
    if (!existing) continue;
    if (existing.request_hash !== request.hash) {
      return {
        outcome: 'mismatch',
        original: { method: existing.request_method, path: existing.request_path },
      };
    }
    if (existing.response_status !== null && existing.response_body !== null) {
      return {
        outcome: 'completed',
        response: { status: existing.response_status, body: existing.response_body },
      };
    }
    return { outcome: 'in_progress' };
  }
  return { outcome: 'in_progress' };
}

/**
 * Stores the response of the claim's request. False when the claim was lost (taken over after
 * its lease ran out), in which case nothing is written.
 */
export async function completeIdempotencyKey(
  db: Queryable,
  scope: IdempotencyScope,
  claimId: string,
  response: StoredResponse,
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'complete-idempotency-key',
    text: `UPDATE "public"."idempotency_keys"
              SET response_status = $5, response_body = $6, completed_at = now(), locked_by = NULL, locked_at = NULL
            WHERE team_id = $1 AND livemode = $2 AND key = $3 AND locked_by = $4`,
    values: [scope.teamId, scope.livemode, scope.key, claimId, response.status, response.body],
  });
  return rowCount === 1;
}

/** Gives the key back after a request that changed nothing, so the client may retry with it. */
export async function releaseIdempotencyKey(
  db: Queryable,
  scope: IdempotencyScope,
  claimId: string,
): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'release-idempotency-key',
    text: `DELETE FROM "public"."idempotency_keys" WHERE team_id = $1 AND livemode = $2 AND key = $3 AND locked_by = $4`,
    values: [scope.teamId, scope.livemode, scope.key, claimId],
  });
  return rowCount === 1;
}

/** For retention jobs: drops keys past their retention; returns how many. */
export async function deleteExpiredIdempotencyKeys(
  prisma: PrismaClient,
  {
    retentionSeconds = idempotencyKeyRetentionSeconds,
    now = new Date(),
  }: { retentionSeconds?: number; now?: Date } = {},
): Promise<number> {
  const { count } = await prisma.idempotencyKey.deleteMany({
    where: { createdAt: { lte: new Date(now.getTime() - retentionSeconds * 1000) } },
  });
  return count;
}
