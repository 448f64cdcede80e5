import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@reportrun/config';
import { IdempotencyKeyReused, IdempotencyRequestInProgress, InvalidParameter } from '@reportrun/core';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  idempotencyKeyRetentionSeconds,
  releaseIdempotencyKey,
  type IdempotencyScope,
  type Queryable,
  type StoredResponse,
} from '@reportrun/db';
import { principalOf } from './auth.ts';

/**
 * `Idempotency-Key` on create requests, Stripe's way: the first request with a key does the
 * work and its response is stored; a retry with the same key and body gets that response again
 * (header `Idempotent-Replayed: true`) without doing anything; the same key with another body
 * is 422 `idempotency_key_reused`.
 *
 * A retry that arrives while the first request is still running waits for it (up to `waitMs`)
 * and then replays its response; past that it gets 409 `idempotency_request_in_progress` with
 * `retry_after_seconds`. A request that ends in an error response gives its key back, so a
 * corrected or later retry may use it (Stripe does the same for requests that failed
 * validation); only successful responses are stored.
 *
 * Usage: put `honorIdempotencyKey(…)` before the handler, have the handler answer with
 * `sendIdempotentResponse`, and mount `releaseIdempotencyKeyOnError` before the error handler.
 */

export const idempotencyKeyHeader = 'Idempotency-Key';
const maxKeyLength = 255;

interface HeldClaim {
  /** Set once the claim was completed or released; nothing may happen to it after that. */
  settled: boolean;
  complete(response: StoredResponse): Promise<boolean>;
  release(): Promise<boolean>;
  logger: Logger;
}

/** The claim a response's request holds, if any; keyed weakly so a finished request leaves nothing. */
const heldClaims = new WeakMap<Response, HeldClaim>();

export interface IdempotencyOptions {
  /** The service database's pool (the keys' queries skip Prisma: they are on every create). */
  pool: Queryable;
  logger: Logger;
  /** How long a retry waits for a concurrent request with its key before answering 409. */
  waitMs?: number;
}

export function honorIdempotencyKey({ pool, logger, waitMs = 5000 }: IdempotencyOptions) {
  return async (request: Request, response: Response, next: NextFunction) => {
    const key = readIdempotencyKey(request);
    if (key === undefined) {
      next();
      return;
    }
    const principal = principalOf(request);
    const scope: IdempotencyScope = { teamId: principal.teamId, livemode: principal.livemode, key };
    const target = { method: request.method, path: request.originalUrl, hash: requestFingerprint(request) };
    const deadline = Date.now() + waitMs;
    for (let pauseMs = 20; ; pauseMs = Math.min(pauseMs * 2, 200)) {
      const claim = await claimIdempotencyKey(pool, scope, target);
      switch (claim.outcome) {
        case 'claimed': {
          const held: HeldClaim = {
            settled: false,
            complete: (stored) => completeIdempotencyKey(pool, scope, claim.claimId, stored),
            release: () => releaseIdempotencyKey(pool, scope, claim.claimId),
            logger,
          };
          heldClaims.set(response, held);
          // A safety net for a handler that answered without sendIdempotentResponse: its
          // response was not stored, so the key must not stay claimed.
          response.once('finish', () => {
            if (held.settled) return;
            held.settled = true;
            logger.error(
              { path: target.path, status: response.statusCode },
              'idempotent route answered without storing its response',
            );
            held.release().catch(() => {});
          });
          next();
          return;
        }
        case 'completed':
          response
            .status(claim.response.status)
            .setHeader('Idempotent-Replayed', 'true')
            .type('application/json')
            .send(claim.response.body);
          return;
        case 'mismatch':
          throw new IdempotencyKeyReused(key, claim.original, idempotencyKeyRetentionSeconds / 3600);
        case 'in_progress':
          if (Date.now() + pauseMs > deadline) throw new IdempotencyRequestInProgress(key, 1);
          await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  };
}

/**
 * Answers with JSON; when the request holds an Idempotency-Key, stores the response first, so a
 * retry that arrives the moment this one is answered already finds it.
 */
export async function sendIdempotentResponse(
  response: Response,
  status: number,
  body: unknown,
): Promise<void> {
  const text = JSON.stringify(body);
  const held = heldClaims.get(response);
  if (held && !held.settled) {
    held.settled = true;
    if (!(await held.complete({ status, body: text }))) {
      // Only possible when this request outlived its claim's lease and a retry took the key
      // over; the retry's own response is the one kept.
      held.logger.warn(
        { path: response.req.originalUrl },
        'idempotency claim was taken over before the response was stored',
      );
    }
  }
  response.status(status).type('application/json').send(text);
}

/**
 * Error middleware, before the problem handler: a failed request gives its key back before the
 * client sees the error, so an immediate retry with the same key runs instead of meeting a claim.
 */
export function releaseIdempotencyKeyOnError() {
  return async (error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const held = heldClaims.get(response);
    if (held && !held.settled) {
      held.settled = true;
      try {
        await held.release();
      } catch (releaseError) {
        // The claim then lapses with its lease; the original error is the one to report.
        held.logger.warn({ err: releaseError }, 'could not release an idempotency key');
      }
    }
    next(error);
  };
}

function readIdempotencyKey(request: Request): string | undefined {
  const value = request.headers[idempotencyKeyHeader.toLowerCase()];
  if (value === undefined) return undefined;
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (key.trim() === '' || key.length > maxKeyLength || !/^[\x20-\x7e]+$/.test(key)) {
    throw new InvalidParameter(
      idempotencyKeyHeader,
      `The ${idempotencyKeyHeader} header must be 1 to ${maxKeyLength} printable ASCII characters, e.g. a UUID.`,
    );
  }
  return key;
}

/** Method, path and body, with object keys sorted: a retry may serialize its body differently. */
function requestFingerprint(request: Request): string {
  const body = request.body === undefined ? '' : canonicalJson(request.body);
  return createHash('sha256').update(`${request.method} ${request.originalUrl}\n${body}`).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
