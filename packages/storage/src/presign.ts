import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Storage } from './client.ts';

export interface DownloadUrl {
  url: string;
  expiresAt: Date;
}

/**
 * Signs a GET for the object, for the public endpoint (S3_PUBLIC_ENDPOINT) clients reach;
 * signing is local, no request reaches the storage server.
 */
export async function presignDownload(
  storage: Storage,
  key: string,
  ttlSeconds: number,
  now: Date = new Date(),
): Promise<DownloadUrl> {
  const url = await getSignedUrl(
    storage.signer,
    new GetObjectCommand({ Bucket: storage.bucket, Key: key }),
    { expiresIn: ttlSeconds, signingDate: now },
  );
  return { url, expiresAt: new Date(now.getTime() + ttlSeconds * 1000) };
}

export async function deleteObject(storage: Storage, key: string): Promise<void> {
  await storage.s3.send(new DeleteObjectCommand({ Bucket: storage.bucket, Key: key }));
}

/** Keys under a prefix (first 1,000), e.g. to prove a run left nothing behind. */
export async function listObjectKeys(storage: Storage, prefix: string): Promise<string[]> {
  const listed = await storage.s3.send(new ListObjectsV2Command({ Bucket: storage.bucket, Prefix: prefix }));
  return (listed.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
}
