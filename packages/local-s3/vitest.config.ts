import { defineConfig } from 'vitest/config';

// The server needs nothing but the file system: no Redis, Postgres or shared global setup.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
