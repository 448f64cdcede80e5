// The loopback server lives in its own package (`pnpm dev` runs it too); the harness re-exports
// it so test files and benchmarks keep one import.
export { startLocalS3, type LocalS3, type LocalS3Options } from '@reportrun/local-s3';
