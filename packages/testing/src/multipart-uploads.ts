import { ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Config } from '@reportrun/config';
import { harnessS3Client } from './test-environment.ts';

/**
 * Keys of multipart uploads started but neither completed nor aborted under `prefix` in the
 * service's bucket, as the storage server lists them (ListMultipartUploads: the loopback
 * server, Ceph RGW, MinIO and AWS all answer it), following the listing across pages.
 */
export async function pendingMultipartUploads(config: Config, prefix: string): Promise<string[]> {
  const s3 = harnessS3Client(config);
  try {
    return await pendingMultipartUploadsIn({ s3, bucket: config.S3_BUCKET }, prefix);
  } finally {
    s3.destroy();
  }
}

/** The same for any bucket, a storage zone's included. */
export async function pendingMultipartUploadsIn(storage: { s3: S3Client; bucket: string }, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const listed = await storage.s3.send(
      new ListMultipartUploadsCommand({ Bucket: storage.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
    );
    for (const upload of listed.Uploads ?? []) if (upload.Key) keys.push(upload.Key);
    if (!listed.IsTruncated) return keys;
    keyMarker = listed.NextKeyMarker;
    uploadIdMarker = listed.NextUploadIdMarker;
  }
}
