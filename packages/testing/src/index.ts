export { startLocalS3, type LocalS3 } from './local-s3.ts';
export { createTestEnvironment, deleteRedisKeys, waitFor, type TestEnvironment } from './test-environment.ts';
export { createGlobalSetup, type GlobalSetupOptions } from './global-setup-factory.ts';
export { assertLocalServices } from './services.ts';
export { runCommand, runSourceCommand, spawnService, type CommandResult, type ProcessOptions, type ServiceProcess } from './processes.ts';
export {
  wallClock,
  offsetMinutes,
  localDate,
  localDateTime,
  localRfc3339,
  localMidnight,
  nextDate,
  type WallClock,
} from './wall-clock.ts';
export { pendingMultipartUploads, pendingMultipartUploadsIn } from './multipart-uploads.ts';
export { appDirectory, spawnApp, startApi, startScheduler, startWorker, lockLedger, runningExportStatements, statementsWaitingOnLock, metricsUrlOf, type AppName } from './service-processes.ts';
export {
  useTestFixture,
  apiClient,
  defaultRunBody,
  type TestFixture,
  type TestFixtureOptions,
  type FixtureDatabase,
  type FixtureDatabaseFunctions,
  type FixtureApi,
  type ApiClient,
  type ApiResponse,
} from './fixture.ts';
export { parseMetrics, metricValue, scrapeMetrics, type MetricSample } from './prometheus.ts';
