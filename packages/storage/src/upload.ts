import type { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import type { Storage } from './client.ts';

export interface UploadStreamInput {
  key: string;
  body: Readable;
  contentType: string;
  contentDisposition?: string;
  signal?: AbortSignal;
  /** 5 MiB is S3's smallest part; 8 MiB keeps the part count low for large reports. */
  partSize?: number;
}

/**
 * Streams a body of unknown length into the bucket with a multipart upload. At most
 * `queueSize` parts are held in memory; on failure or abort the multipart upload is aborted,
 * so no parts are left behind.
 */
export async function uploadStream(storage: Storage, input: UploadStreamInput): Promise<void> {
  const upload = new Upload({
    client: storage.s3,
    params: {
      Bucket: storage.bucket,
      Key: input.key,
      Body: input.body,
      ContentType: input.contentType,
      // Every part and single-request upload carries its CRC-32, checked by the server; with it
      // the body is signed as UNSIGNED-PAYLOAD (see PayloadSigning).
      ...(storage.payloadSigning === 'checksum' ? { ChecksumAlgorithm: 'CRC32' as const } : {}),
      ...(input.contentDisposition ? { ContentDisposition: input.contentDisposition } : {}),
    },
    partSize: input.partSize ?? 8 * 1024 * 1024,
    queueSize: 2,
    leavePartsOnError: false,
  });
  // Abort by failing the body rather than with upload.abort(): abort() makes done() reject at
  // once while the multipart upload is still open, whereas a failing body runs the library's
  // own error path, which sends AbortMultipartUpload before done() rejects. No parts are left.
  const onAbort = () =>
    input.body.destroy(input.signal?.reason instanceof Error ? input.signal.reason : new Error('upload aborted'));
  input.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await upload.done();
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
}
