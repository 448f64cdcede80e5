import { Queue } from 'bullmq';
import type { RedisConnection } from './connection.ts';
import { publishRunCancel, type Publisher } from './cancel-broadcast.ts';
import {
  reportRunJobId,
  reportRunJobOptions,
  reportRunJobSchema,
  reportRunQueueName,
  type ReportRunJob,
} from './report-run-job.ts';

export type ReportRunQueue = Queue<ReportRunJob>;

export function createReportRunQueue(connection: RedisConnection, prefix: string): ReportRunQueue {
  return new Queue<ReportRunJob>(reportRunQueueName, { connection, prefix });
}

export class QueueUnavailable extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QueueUnavailable';
  }
}

/**
 * Adds the run's job. BullMQ waits for Redis indefinitely; an API request must not, so after
 * `timeoutMs` this gives up with QueueUnavailable (the job id makes a late add harmless).
 */
export async function enqueueReportRun(
  queue: ReportRunQueue,
  runId: string,
  { timeoutMs = 3000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const job = reportRunJobSchema.parse({ runId });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new QueueUnavailable(`Redis did not accept the job within ${timeoutMs} ms`)), timeoutMs);
  });
  const add = queue.add('report-run', job, { ...reportRunJobOptions, jobId: reportRunJobId(runId) });
  add.catch(() => {}); // a late failure after the timeout has nobody left to tell
  try {
    await Promise.race([add, timeout]);
  } catch (error) {
    throw error instanceof QueueUnavailable ? error : new QueueUnavailable('Redis refused the job', { cause: error });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Best effort, bounded in time: drops the job if no worker has taken it yet, and tells every
 * worker to stop the run if one has. The run's status is already `canceled` in the database,
 * which workers also re-read, so a Redis outage delays the stop but cannot undo the cancel.
 */
export async function requestRunCancel(
  queue: ReportRunQueue,
  prefix: string,
  runId: string,
  { timeoutMs = 1000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const work = (async () => {
    const client = await queue.client;
    await Promise.allSettled([queue.remove(reportRunJobId(runId)), publishRunCancel(client as unknown as Publisher, prefix, runId)]);
  })();
  work.catch(() => {});
  await Promise.race([work, new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
}

/**
 * The queue's depth by state, for the `reportrun_queue_jobs` gauge. BullMQ keeps jobs with a
 * priority apart from the plain wait list; both are waiting for a worker.
 */
export async function readQueueDepth(queue: ReportRunQueue): Promise<{ waiting: number; active: number; delayed: number; failed: number }> {
  const counts = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
  return {
    waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
    active: counts.active ?? 0,
    delayed: counts.delayed ?? 0,
    failed: counts.failed ?? 0,
  };
}
