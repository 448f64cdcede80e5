import { defineConfig } from 'vitest/config';

/** Every package's tests share one harness: real Redis, Postgres and an S3-compatible server. */
// Workspace packages export their TypeScript under the `source` condition and compiled JavaScript
// by default (see README, "Building and running in production"): tests run the source, and so do
// the Node processes Vitest forks, which get these conditions as `--conditions` flags.
const conditions = ['source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  // `ssr` runs the test files; `__vitest__` runs the global setup.
  environments: { ssr: { resolve: { conditions } }, __vitest__: { resolve: { conditions } } },
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
