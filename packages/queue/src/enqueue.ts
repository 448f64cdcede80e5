import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  reportRunJobId,
  reportRunJobOptions,
  reportRunJobSchema,
  reportRunQueueName,
  type ReportRunJob,
} from './report-run-job.ts';

export type ReportRunQueue = Queue<ReportRunJob>;

export function createReportRunQueue(connection: Redis, prefix: string): ReportRunQueue {
  return new Queue<ReportRunJob>(reportRunQueueName, { connection, prefix });
}

export async function enqueueReportRun(queue: ReportRunQueue, runId: string): Promise<void> {
  const job = reportRunJobSchema.parse({ runId });
  await queue.add('report-run', job, { ...reportRunJobOptions, jobId: reportRunJobId(runId) });
}
