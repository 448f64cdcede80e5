import { randomBytes } from 'node:crypto';
import { Worker } from 'bullmq';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture, waitFor } from '@reportrun/testing';
import {
  createRedisConnection,
  createReportRunQueue,
  enqueueReportRun,
  publishRunCancel,
  reportRunQueueName,
  subscribeRunCancels,
  type RedisConnection,
  type ReportRunJob,
  type ReportRunQueue,
} from '../src/index.ts';

// Runs on whatever Redis the environment names: a standalone server in the main suite, the
// three-master cluster of infra/scripts/start-redis-cluster.sh when REDIS_CLUSTER_NODES is set.
const fixture = useTestFixture();
let producer: RedisConnection;
let consumer: RedisConnection;
let queue: ReportRunQueue;

const newRunId = () => `reprun_${randomBytes(16).toString('hex').slice(0, 26)}`;

/** Every key under the file's prefix, from every master when this is a cluster. */
async function keysUnderPrefix(prefix: string): Promise<string[]> {
  const nodes: Redis[] = producer instanceof Cluster ? producer.nodes('master') : [producer];
  const keys: string[] = [];
  for (const node of nodes) {
    let cursor = '0';
    do {
      const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
  }
  return keys;
}

beforeAll(async () => {
  producer = createRedisConnection(fixture.environment.config, 'producer');
  consumer = createRedisConnection(fixture.environment.config, 'worker');
  queue = createReportRunQueue(producer, fixture.environment.config.QUEUE_PREFIX);
  await queue.waitUntilReady();
});

afterAll(async () => {
  await queue?.close();
  producer?.disconnect();
  consumer?.disconnect();
});

describe('the queue on Redis Cluster', () => {
  it('connects to the cluster when REDIS_CLUSTER_NODES names one', () => {
    expect(producer instanceof Cluster).toBe(fixture.environment.config.REDIS_CLUSTER_NODES !== undefined);
  });

  it("keeps every key of a queued run in the prefix's one slot", async () => {
    const runId = newRunId();
    await enqueueReportRun(queue, runId);
    const keys = await keysUnderPrefix(fixture.environment.config.QUEUE_PREFIX);
    // The job's hash and the queue's lists and markers: several keys, one slot.
    expect(keys).toEqual(expect.arrayContaining([`${fixture.environment.config.QUEUE_PREFIX}:${reportRunQueueName}:${runId}`]));
    expect(keys.length).toBeGreaterThan(2);
    expect(new Set(keys.map((key) => calculateSlot(key))).size).toBe(1);
    // Without the hash tag the same keys would scatter, and BullMQ's multi-key scripts would
    // fail with CROSSSLOT on a cluster.
    const untagged = keys.map((key) => key.replace(/^\{([^}]+)\}/, '$1'));
    expect(new Set(untagged.map((key) => calculateSlot(key))).size).toBeGreaterThan(1);
  });

  it('a worker takes and completes a run queued on the cluster', async () => {
    const runId = newRunId();
    const done: string[] = [];
    const worker = new Worker<ReportRunJob>(reportRunQueueName, async (job) => job.data.runId, {
      connection: consumer,
      prefix: fixture.environment.config.QUEUE_PREFIX,
    });
    worker.on('completed', (job) => done.push(job.data.runId));
    try {
      await enqueueReportRun(queue, runId);
      await waitFor(async () => done, (completed) => completed.includes(runId));
      expect(await (await queue.getJob(runId))?.getState()).toBe('completed');
    } finally {
      await worker.close();
    }
  });

  it('a cancel published on one connection reaches a subscriber on another', async () => {
    const subscriber = createRedisConnection(fixture.environment.config, 'worker');
    const heard: string[] = [];
    const unsubscribe = await subscribeRunCancels(subscriber, fixture.environment.config.QUEUE_PREFIX, (id) => heard.push(id));
    try {
      const runId = newRunId();
      await publishRunCancel(producer, fixture.environment.config.QUEUE_PREFIX, runId);
      await waitFor(async () => heard, (ids) => ids.includes(runId));
    } finally {
      await unsubscribe();
      subscriber.disconnect();
    }
  });
});
