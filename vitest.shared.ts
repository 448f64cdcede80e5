import { defineConfig } from 'vitest/config';

/** Every package's tests share one harness: real Redis, Postgres and an S3-compatible server. */
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
