import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import type { Storage } from './client.ts';

/** A multipart upload that was started and neither completed nor aborted yet. */
export interface PendingMultipartUpload {
  key: string;
  uploadId: string;
  /** When the upload was started, by the storage server's clock. */
  initiated: Date;
}

/**
 * Every pending multipart upload under `prefix`, page by page (S3 answers at most 1,000 per
 * request), so a bucket with many open uploads is never held in memory at once.
 */
export async function* listMultipartUploads(
  storage: Storage,
  prefix: string,
  { pageSize }: { pageSize?: number } = {},
): AsyncGenerator<PendingMultipartUpload> {
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const page = await storage.s3.send(
      new ListMultipartUploadsCommand({
        Bucket: storage.bucket,
        Prefix: prefix,
        ...(pageSize ? { MaxUploads: pageSize } : {}),
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    );
    for (const upload of page.Uploads ?? []) {
      if (!upload.Key || !upload.UploadId) continue;
      yield { key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated ?? new Date(0) };
    }
    if (!page.IsTruncated) return;
    // A truncated page without markers would make us ask for the same page forever.
    if (!page.NextKeyMarker)
      throw new Error('ListMultipartUploads answered a truncated page without a NextKeyMarker');
    keyMarker = page.NextKeyMarker;
    uploadIdMarker = page.NextUploadIdMarker;
  }
}

/**
 * Aborts one multipart upload and frees its parts. An upload that is already gone (completed
 * or aborted by someone else meanwhile) is not an error: the outcome the caller wants holds.
 */
export async function abortMultipartUpload(
  storage: Storage,
  upload: { key: string; uploadId: string },
): Promise<void> {
  try {
    await storage.s3.send(
      new AbortMultipartUploadCommand({ Bucket: storage.bucket, Key: upload.key, UploadId: upload.uploadId }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'NoSuchUpload') throw error;
  }
}
