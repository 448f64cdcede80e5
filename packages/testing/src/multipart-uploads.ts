import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import type { Config } from '@reportrun/config';
import { harnessS3Client } from './test-environment.ts';

/**
 * Keys of multipart uploads started but neither completed nor aborted under `prefix`. Asks the
 * storage server (MinIO and AWS list them); the loopback server does not implement that call,
 * so for it the uploads it keeps on disk are read instead.
 */
export async function pendingMultipartUploads(config: Config, prefix: string): Promise<string[]> {
  const s3 = harnessS3Client(config);
  try {
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: config.S3_BUCKET, Prefix: prefix }));
    return (listed.Uploads ?? []).flatMap((upload) => (upload.Key ? [upload.Key] : []));
  } catch (error) {
    const directory = inject('reportrunS3').localDirectory;
    if ((error as { name?: string }).name !== 'NotImplemented' || !directory) throw error;
    return loopbackPendingUploads(join(directory, config.S3_BUCKET, '._S3rver_uploads'), prefix);
  } finally {
    s3.destroy();
  }
}

async function loopbackPendingUploads(uploadsDirectory: string, prefix: string): Promise<string[]> {
  let uploadIds: string[];
  try {
    uploadIds = await readdir(uploadsDirectory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const keys = await Promise.all(
    uploadIds.map((id) => readFile(join(uploadsDirectory, id, 'key'), 'utf8').catch(() => '')),
  );
  return keys.filter((key) => key.startsWith(prefix));
}
