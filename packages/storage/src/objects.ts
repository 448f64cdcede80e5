import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Storage } from './client.ts';

export interface StoredObject {
  key: string;
  /** When the object was last written, by the storage server's clock. */
  lastModified: Date;
  size: number;
}

/** S3's limit on both a listing page and a DeleteObjects request. */
export const maxKeysPerRequest = 1000;

/**
 * Every object under `prefix`, page by page, so a sweep over millions of keys holds one page
 * (at most 1,000 keys) in memory at a time.
 */
export async function* listObjects(
  storage: Storage,
  prefix: string,
  { pageSize }: { pageSize?: number } = {},
): AsyncGenerator<StoredObject> {
  let continuationToken: string | undefined;
  for (;;) {
    const page = await storage.s3.send(
      new ListObjectsV2Command({
        Bucket: storage.bucket,
        Prefix: prefix,
        ...(pageSize ? { MaxKeys: pageSize } : {}),
        ...(continuationToken ? { ContinuationToken: continuationToken } : {}),
      }),
    );
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      yield { key: object.Key, lastModified: object.LastModified ?? new Date(0), size: object.Size ?? 0 };
    }
    if (!page.IsTruncated) return;
    if (!page.NextContinuationToken) {
      throw new Error('ListObjectsV2 answered a truncated page without a NextContinuationToken');
    }
    continuationToken = page.NextContinuationToken;
  }
}

export interface DeleteObjectsResult {
  deleted: number;
  /** Keys the storage refused to delete, with its error code; a later sweep may try again. */
  failed: { key: string; code: string }[];
}

/**
 * Deletes keys with as few requests as S3 allows (1,000 keys per DeleteObjects). A key that
 * does not exist counts as deleted, as in S3 itself.
 */
export async function deleteObjects(storage: Storage, keys: readonly string[]): Promise<DeleteObjectsResult> {
  const result: DeleteObjectsResult = { deleted: 0, failed: [] };
  for (let start = 0; start < keys.length; start += maxKeysPerRequest) {
    const batch = keys.slice(start, start + maxKeysPerRequest);
    const answer = await storage.s3.send(
      new DeleteObjectsCommand({
        Bucket: storage.bucket,
        // Quiet mode answers only the failures, which keeps the response small.
        Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true },
      }),
    );
    const failed = (answer.Errors ?? []).map((error) => ({
      key: error.Key ?? '',
      code: error.Code ?? 'Unknown',
    }));
    result.failed.push(...failed);
    result.deleted += batch.length - failed.length;
  }
  return result;
}
