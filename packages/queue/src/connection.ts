import { Cluster, Redis } from 'ioredis';

/**
 * `worker`: BullMQ's guidance for workers: retry every command forever while Redis is away
 * (`maxRetriesPerRequest: null`), so a Redis restart pauses work instead of crashing it.
 * `producer`: the API fails fast, so a client gets a 503 at once rather than a hung request.
 */
export type RedisRole = 'worker' | 'producer';

/** A standalone Redis or a Redis Cluster: BullMQ, pub/sub and scripts work on either. */
export type RedisConnection = Redis | Cluster;

/** Where Redis is: `REDIS_CLUSTER_NODES` (seed nodes of a cluster) wins over `REDIS_URL`. */
export interface RedisTarget {
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string[] | undefined;
}

/**
 * Opens a connection for `role`. Given a bare URL it is always standalone; given settings it is
 * a Cluster client when they name cluster nodes. Every key the service writes carries the
 * deployment's hash-tagged prefix, so one job's keys share a slot and BullMQ's multi-key scripts
 * run on one node.
 */
export function createRedisConnection(target: string, role: RedisRole): Redis;
export function createRedisConnection(target: string | RedisTarget, role: RedisRole): RedisConnection;
export function createRedisConnection(target: string | RedisTarget, role: RedisRole): RedisConnection {
  const { REDIS_URL: url, REDIS_CLUSTER_NODES: nodes } = typeof target === 'string' ? { REDIS_URL: target } : target;
  let redis: RedisConnection;
  if (nodes && nodes.length > 0) {
    const startupNodes = nodes.map((node) => {
      const { hostname, port } = new URL(`redis://${node}`);
      return { host: hostname, port: Number(port || 6379) };
    });
    redis =
      role === 'worker'
        ? new Cluster(startupNodes, { enableReadyCheck: true, redisOptions: { maxRetriesPerRequest: null } })
        : new Cluster(startupNodes, {
            enableOfflineQueue: false,
            redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 },
          });
  } else {
    redis =
      role === 'worker'
        ? new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true })
        : new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 });
  }
  // Connection errors surface on the commands that hit them; the event itself must not crash.
  redis.on('error', () => {});
  return redis;
}
