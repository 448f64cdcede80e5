// The S3 server a benchmark writes to: the environment's (`S3_ENDPOINT`, Ceph RGW, MinIO), or a
// loopback one in a process of its own, so its CPU and memory are never the measured process's.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createStorage, ensureBucket, type Storage } from '@reportrun/storage';

export interface BenchStorage {
  /** `S3_*` settings for the processes the benchmark starts. */
  env: Record<string, string>;
  /** The bucket, created; for the benchmark's own reads and deletes. */
  storage: Storage;
  /** Which server: for the report. */
  description: string;
  close(): void;
}

export async function openBenchStorage(bucket: string): Promise<BenchStorage> {
  const env: Record<string, string> = { S3_BUCKET: bucket, S3_REGION: process.env.S3_REGION ?? 'us-east-1' };
  let server: ChildProcess | undefined;
  if (process.env.S3_ENDPOINT) {
    Object.assign(env, {
      S3_ENDPOINT: process.env.S3_ENDPOINT,
      S3_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY_ID ?? '',
      S3_SECRET_ACCESS_KEY: process.env.S3_SECRET_ACCESS_KEY ?? '',
    });
  } else {
    server = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', fileURLToPath(new URL('./local-s3-process.ts', import.meta.url))], {
      env: { ...process.env, S3_BUCKET: bucket },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(createInterface({ input: server.stdout! }), 'line')) as [string];
    const started = JSON.parse(line) as { endpoint: string; accessKeyId: string; secretAccessKey: string };
    Object.assign(env, { S3_ENDPOINT: started.endpoint, S3_ACCESS_KEY_ID: started.accessKeyId, S3_SECRET_ACCESS_KEY: started.secretAccessKey });
  }
  const storage = createStorage({
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION!,
    bucket,
    accessKeyId: env.S3_ACCESS_KEY_ID!,
    secretAccessKey: env.S3_SECRET_ACCESS_KEY!,
  });
  await ensureBucket(storage);
  return {
    env,
    storage,
    description: server ? 'loopback server (own process)' : 'S3_ENDPOINT',
    close() {
      storage.s3.destroy();
      server?.kill('SIGTERM');
    },
  };
}
