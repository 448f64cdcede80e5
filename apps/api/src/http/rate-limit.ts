import type { NextFunction, Request, Response } from 'express';
import type { RedisConnection } from '@reportrun/queue';
import type { Logger } from '@reportrun/config';
import { RateLimited } from '@reportrun/core';
import { principalOf } from './auth.ts';

const windowMs = 60_000;

/**
 * Counts one request in the key's current window and returns `[count, ms left in the window]`.
 * The window opens with the key's first request and the counter expires with it. One script,
 * so no crash between INCR and PEXPIRE can leave a counter that never resets.
 */
const countRequestScript = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export interface RateLimitOptions {
  redis: RedisConnection;
  /** The deployment's hash-tagged prefix, so the counters sit beside its queue keys. */
  keyPrefix: string;
  limitPerMinute: number;
  logger: Logger;
  /** Past this the limiter gives up and lets the request through. */
  timeoutMs?: number;
}

/**
 * Per-API-key fixed-window limit (after authentication, so the window is the key's). Redis is a
 * guard here, not a dependency: when it is down or slow the request goes through (fail open)
 * and a warning is logged, because refusing reads over a missing counter would turn a Redis
 * outage into an API outage.
 */
export function rateLimitPerApiKey({
  redis,
  keyPrefix,
  limitPerMinute,
  logger,
  timeoutMs = 250,
}: RateLimitOptions) {
  const warnings = throttledWarning(logger, 10_000);
  return async (request: Request, response: Response, next: NextFunction) => {
    const { keyId } = principalOf(request);
    let counted: [count: number, msLeft: number];
    try {
      counted = await withTimeout(
        countRequest(redis, `${keyPrefix}:rate-limit:${keyId}`, timeoutMs),
        timeoutMs,
      );
    } catch (error) {
      warnings.warn(error);
      next();
      return;
    }
    const [count, msLeft] = counted;
    const resetSeconds = Math.max(1, Math.ceil(msLeft / 1000));
    response.setHeader('RateLimit-Limit', String(limitPerMinute));
    response.setHeader('RateLimit-Remaining', String(Math.max(0, limitPerMinute - count)));
    response.setHeader('RateLimit-Reset', String(resetSeconds));
    if (count > limitPerMinute) throw new RateLimited(limitPerMinute, resetSeconds);
    next();
  };
}

async function countRequest(redis: RedisConnection, key: string, timeoutMs: number): Promise<[number, number]> {
  await connected(redis, timeoutMs);
  const reply = await redis.eval(countRequestScript, 1, key, String(windowMs));
  if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
    throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
  }
  return [reply[0], reply[1]];
}

/**
 * The API's Redis connection queues no commands while offline (it must fail fast), so a request
 * that arrives while the first connection is still being made waits for it, briefly; during an
 * outage (status `reconnecting` or `end`) it fails at once instead.
 */
async function connected(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  if (!['wait', 'connecting', 'connect'].includes(redis.status)) {
    throw new Error(`Redis is not connected (${redis.status})`);
  }
  await new Promise<void>((resolve, reject) => {
    const settle = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = () => settle();
    const onError = (error: Error) => settle(error);
    const timer = setTimeout(
      () => settle(new Error(`Redis did not connect within ${timeoutMs} ms`)),
      timeoutMs,
    );
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  work.catch(() => {}); // a late failure after the timeout has nobody left to tell
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One warning per interval, with a count of those swallowed, so an outage cannot flood the log. */
function throttledWarning(logger: Logger, intervalMs: number) {
  let lastAt = 0;
  let suppressed = 0;
  return {
    warn(error: unknown) {
      const now = Date.now();
      if (now - lastAt < intervalMs) {
        suppressed += 1;
        return;
      }
      logger.warn({ err: error, suppressed }, 'rate limiter unavailable; letting requests through');
      lastAt = now;
      suppressed = 0;
    },
  };
}
