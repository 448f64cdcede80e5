import { z } from 'zod';
import type { JobsOptions } from 'bullmq';

export const reportRunQueueName = 'report-runs';

/** The job carries only the run id: the database row is the truth about the run. */
export const reportRunJobSchema = z.object({ runId: z.string().regex(/^reprun_[0-9a-z]{26}$/) }).strict();
export type ReportRunJob = z.infer<typeof reportRunJobSchema>;

/** One job per run: enqueuing the same run twice is a no-op, so re-enqueueing is always safe. */
export function reportRunJobId(runId: string): string {
  return runId;
}

export const reportRunJobOptions = {
  attempts: 5,
  // Exponential backoff with jitter so a fleet retrying after an outage does not stampede.
  backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
} satisfies JobsOptions;
