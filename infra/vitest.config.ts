import { defineConfig } from 'vitest/config';

const conditions = ['source', 'node', 'development|production'];

// These tests read the deployment files (Dockerfile, compose, Kubernetes manifests) and the
// compiled entry points; they start no service, so they skip the shared harness (its global
// setup migrates a database and starts an S3 server) and the per-file test fixture.
export default defineConfig({
  resolve: { conditions },
  environments: { ssr: { resolve: { conditions } } },
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000 },
});
