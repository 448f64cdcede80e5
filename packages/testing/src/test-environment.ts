import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { loadConfig, type Config } from '@reportrun/config';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createDatabaseFromTemplate, databaseUrlFor, dropDatabase } from './services.ts';

export interface TestEnvironment {
  /** Configuration pointing at this file's own database, bucket and queue prefix. */
  config: Config;
  /** The same, as environment variables for child processes. */
  env: Record<string, string>;
  databaseName: string;
  cleanup(): Promise<void>;
}

const baseDatabaseUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Gives one test file its own migrated database (cloned from the run's template), its own
 * bucket and its own hash-tagged queue prefix, so files run in parallel without sharing state.
 */
export async function createTestEnvironment(): Promise<TestEnvironment> {
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `rr_test_${suffix}`;
  const template = inject('reportrunTemplateDatabase');
  if (template) await createDatabaseFromTemplate(baseDatabaseUrl, databaseName, template);
  const s3 = inject('reportrunS3');
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrlFor(baseDatabaseUrl, databaseName),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // Set, the whole file (its processes and its own clients) runs on that Redis Cluster.
    ...(process.env.REDIS_CLUSTER_NODES ? { REDIS_CLUSTER_NODES: process.env.REDIS_CLUSTER_NODES } : {}),
    QUEUE_PREFIX: `{rrtest_${suffix}}`,
    S3_ENDPOINT: s3.endpoint,
    S3_BUCKET: `rr-test-${suffix}`,
    S3_REGION: s3.region,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    // An S3 server that ignores checksum headers may be tested with its bodies signed instead.
    ...(process.env.S3_PAYLOAD_SIGNING ? { S3_PAYLOAD_SIGNING: process.env.S3_PAYLOAD_SIGNING } : {}),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    // Test receivers listen on loopback; the refusal of private URLs is tested with this off.
    WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
    // Many workers and schedulers run at once on a test machine: each listener takes a free port
    // and prints it (REPORTRUN_METRICS_URL=…).
    METRICS_PORT: '0',
  };
  const config = loadConfig(env);
  await createBucket(config);
  return {
    config,
    env,
    databaseName,
    async cleanup() {
      if (template) await dropDatabase(baseDatabaseUrl, databaseName);
      await deleteRedisKeys(env, env.QUEUE_PREFIX!);
    },
  };
}

/**
 * Deletes every Redis key under one queue prefix: what a test uses to simulate "Redis lost its
 * data" without touching anyone else's keys on the shared server (never FLUSHALL/FLUSHDB).
 */
export async function deleteRedisKeys(
  target: string | { REDIS_URL?: string; REDIS_CLUSTER_NODES?: string },
  prefix: string,
): Promise<void> {
  const { REDIS_URL: url = 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: nodes } = typeof target === 'string' ? { REDIS_URL: target } : target;
  if (!nodes) {
    const redis = new Redis(url);
    try {
      await deleteKeysOnNode(redis, prefix);
    } finally {
      redis.disconnect();
    }
    return;
  }
  // SCAN sees one node's keys: ask every master. The prefix is hash-tagged, so each DEL's keys
  // share a slot.
  const cluster = new Cluster(nodes.split(',').map((node) => ({ host: node.split(':')[0]!, port: Number(node.split(':')[1]) })));
  cluster.on('error', () => {}); // a failure surfaces through `ready` below or the commands
  try {
    await new Promise<void>((resolve, reject) => {
      if (cluster.status === 'ready') return resolve();
      cluster.once('ready', () => resolve());
      cluster.once('error', reject);
    });
    await Promise.all(cluster.nodes('master').map((node) => deleteKeysOnNode(node, prefix)));
  } finally {
    cluster.disconnect();
  }
}

async function deleteKeysOnNode(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/**
 * An S3 client for the harness itself. It cannot use @reportrun/storage, whose own tests run
 * on this harness.
 */
export function harnessS3Client(config: Config): S3Client {
  return new S3Client({
    region: config.S3_REGION,
    endpoint: config.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: config.S3_ACCESS_KEY_ID, secretAccessKey: config.S3_SECRET_ACCESS_KEY },
  });
}

async function createBucket(config: Config): Promise<void> {
  const s3 = harnessS3Client(config);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: config.S3_BUCKET }));
  } finally {
    s3.destroy();
  }
}

/** Polls `read` until `done` holds for its result, or fails after `timeoutMs`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs = 30_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await read();
  while (!done(last)) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    last = await read();
  }
  return last;
}
