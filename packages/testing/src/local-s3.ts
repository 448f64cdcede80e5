import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible HTTP server on loopback (s3rver), for development and tests where no
 * MinIO or AWS endpoint is configured. It checks SigV4 signatures and presigned-URL expiry.
 */
export async function startLocalS3(
  options: { port?: number; directory?: string; buckets?: string[] } = {},
): Promise<LocalS3> {
  // s3rver's run() never settles when its port is taken, so check first and say so.
  if (options.port) await assertPortFree(options.port);
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'reportrun-s3-')));
  const server = new S3rver({
    address: '127.0.0.1',
    port: options.port ?? 0,
    directory,
    silent: true,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name, configs: [] })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    async stop() {
      await server.close();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `Port ${port} for the local S3 server is in use (another \`pnpm dev\`?); stop it or set LOCAL_S3_PORT.`
            : error.message,
        ),
      ),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}
