import { Redis } from 'ioredis';

/**
 * `worker`: BullMQ's guidance for workers: retry every command forever while Redis is away
 * (`maxRetriesPerRequest: null`), so a Redis restart pauses work instead of crashing it.
 * `producer`: the API fails fast, so a client gets a 503 at once rather than a hung request.
 */
export type RedisRole = 'worker' | 'producer';

export function createRedisConnection(url: string, role: RedisRole): Redis {
  const redis =
    role === 'worker'
      ? new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true })
      : new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  // Connection errors surface on the commands that hit them; the event itself must not crash.
  redis.on('error', () => {});
  return redis;
}
