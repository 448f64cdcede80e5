import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  /** Where the server keeps buckets, objects and in-progress multipart uploads. */
  directory: string;
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
  addAbortMultipartUpload(server, directory);
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    directory,
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

/** The part of a Koa context this middleware touches (s3rver is a Koa app). */
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  status: number;
  body: unknown;
}
type Middleware = (context: KoaContext, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * s3rver answers AbortMultipartUpload (DELETE ?uploadId=…) with 405, so an aborted upload would
 * stay open forever and no test could tell an upload we abort from one we leak. This adds the
 * operation as S3 defines it — drop the upload's parts, answer 204 — after s3rver's own
 * signature check and before its router.
 */
function addAbortMultipartUpload(server: S3rver, directory: string): void {
  const abort: Middleware = async (context, next) => {
    const uploadId = context.query.uploadId;
    const bucket = context.path.split('/')[1];
    if (context.method !== 'DELETE' || typeof uploadId !== 'string' || !bucket || !/^[0-9a-f]+$/.test(uploadId)) {
      return next();
    }
    await rm(join(directory, decodeURIComponent(bucket), '._S3rver_uploads', uploadId), { recursive: true, force: true });
    context.status = 204;
    context.body = null;
  };
  const stack = (server as unknown as { middleware: Middleware[] }).middleware;
  stack.splice(stack.length - 1, 0, abort);
}
