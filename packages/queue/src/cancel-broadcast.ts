import type { RedisConnection } from './connection.ts';

/**
 * BullMQ's `worker.cancelJob` reaches only the process holding the job, and the API does not
 * know which one that is; so cancel requests go out on a pub/sub channel every worker hears.
 * Workers also re-read run status periodically, so a missed message only delays a cancel.
 */
export function runCancelChannel(prefix: string): string {
  return `${prefix}:run-cancel`;
}

/** Any client that can PUBLISH: an ioredis connection or BullMQ's own client. */
export interface Publisher {
  publish(channel: string, message: string): Promise<unknown>;
}

export async function publishRunCancel(redis: Publisher, prefix: string, runId: string): Promise<void> {
  await redis.publish(runCancelChannel(prefix), runId);
}

/**
 * Subscribes `subscriber` (a connection dedicated to pub/sub) to cancel requests. Returns a
 * function that unsubscribes.
 */
export async function subscribeRunCancels(
  subscriber: RedisConnection,
  prefix: string,
  onCancel: (runId: string) => void,
): Promise<() => Promise<void>> {
  const channel = runCancelChannel(prefix);
  const listener = (received: string, message: string) => {
    if (received === channel) onCancel(message);
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    await subscriber.unsubscribe(channel).catch(() => {});
  };
}
