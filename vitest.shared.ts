import { defineConfig } from 'vitest/config';

/** Every package's tests share one harness: real Redis, Postgres and an S3-compatible server. */
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Setup hooks start whole services (API, workers, scheduler) as child processes; on a busy
    // 2-core machine that alone can take a minute.
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
