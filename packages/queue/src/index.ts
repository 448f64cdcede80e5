export {
  reportRunQueueName,
  reportRunJobSchema,
  reportRunJobOptions,
  reportRunJobId,
  type ReportRunJob,
} from './report-run-job.ts';
export { createRedisConnection, type RedisConnection, type RedisRole, type RedisTarget } from './connection.ts';
export {
  createReportRunQueue,
  enqueueReportRun,
  requestRunCancel,
  QueueUnavailable,
  readQueueDepth,
  type ReportRunQueue,
} from './enqueue.ts';
export { publishRunCancel, subscribeRunCancels, runCancelChannel } from './cancel-broadcast.ts';
