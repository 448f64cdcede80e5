import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
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

/** Parts sent at once; a third is filled meanwhile. */
const partsInFlight = 2;
/** S3's limit on the parts of one upload. */
const maxParts = 10_000;

/**
 * Streams a body of unknown length into the bucket with a multipart upload (a body shorter
 * than one part is sent with one PutObject). The body is copied into part buffers allocated
 * once per upload and reused, one being filled while `partsInFlight` are sent, so an upload
 * holds three parts whatever the file's size. (lib-storage's Upload, used before, concatenated
 * a new part-sized buffer for every part: a 10M-row export left gigabytes of them to the
 * garbage collector, which let the process grow by over 100 MB before it caught up.) On
 * failure or abort the multipart upload is aborted once no part is in flight, so no parts are
 * left behind.
 */
export async function uploadStream(storage: Storage, input: UploadStreamInput): Promise<void> {
  const partSize = input.partSize ?? 8 * 1024 * 1024;
  const object = {
    Bucket: storage.bucket,
    Key: input.key,
  };
  const headers = {
    ContentType: input.contentType,
    ...(input.contentDisposition ? { ContentDisposition: input.contentDisposition } : {}),
  };
  const spare: Buffer[] = [];
  const sending = new Set<Promise<void>>();
  const parts: CompletedPart[] = [];
  let uploadId: string | undefined;
  let partFailure: { error: unknown } | undefined;
  let part: Buffer | undefined;
  let filled = 0;
  let partNumber = 0;

  const sendPart = async (buffer: Buffer, length: number) => {
    partNumber += 1;
    if (partNumber > maxParts) throw new Error(`the file needs more than ${maxParts} parts of ${partSize} bytes`);
    uploadId ??= (await storage.s3.send(new CreateMultipartUploadCommand({ ...object, ...headers }))).UploadId;
    if (!uploadId) throw new Error('CreateMultipartUpload answered without an UploadId');
    const number = partNumber;
    const sent: Promise<void> = storage.s3
      .send(new UploadPartCommand({ ...object, UploadId: uploadId, PartNumber: number, Body: buffer.subarray(0, length) }))
      .then(
        (result) => {
          if (!result.ETag) throw new Error(`part ${number} was stored without an ETag`);
          parts.push({ PartNumber: number, ETag: result.ETag });
          spare.push(buffer);
        },
      )
      .catch((error: unknown) => {
        partFailure ??= { error };
      })
      .finally(() => sending.delete(sent));
    sending.add(sent);
    // Backpressure: the body is not read further until a part slot is free.
    while (sending.size >= partsInFlight) await Promise.race(sending);
    if (partFailure) throw partFailure.error;
  };

  // Failing the body stops the read loop below, which then aborts the multipart upload.
  const onAbort = () => input.body.destroy(input.signal?.reason instanceof Error ? input.signal.reason : new Error('upload aborted'));
  input.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    input.signal?.throwIfAborted();
    for await (const data of input.body as AsyncIterable<Uint8Array | string>) {
      const chunk = typeof data === 'string' ? Buffer.from(data) : data;
      let offset = 0;
      while (offset < chunk.length) {
        // A full part is sent only once more bytes arrive, so the last part is never empty.
        if (part && filled === partSize) {
          await sendPart(part, filled);
          part = undefined;
        }
        if (!part) {
          part = spare.pop() ?? Buffer.allocUnsafeSlow(partSize);
          filled = 0;
        }
        const copied = Math.min(partSize - filled, chunk.length - offset);
        part.set(chunk.subarray(offset, offset + copied), filled);
        filled += copied;
        offset += copied;
      }
    }
    if (uploadId === undefined) {
      await storage.s3.send(new PutObjectCommand({ ...object, ...headers, Body: part ? part.subarray(0, filled) : Buffer.alloc(0) }));
      return;
    }
    await sendPart(part!, filled);
    await Promise.all(sending);
    if (partFailure) throw partFailure.error;
    parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
    await storage.s3.send(new CompleteMultipartUploadCommand({ ...object, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
    uploadId = undefined;
  } catch (error) {
    input.body.destroy();
    // A part still in flight could otherwise land after the abort and be kept by the server.
    await Promise.allSettled(sending);
    if (uploadId !== undefined) {
      await storage.s3.send(new AbortMultipartUploadCommand({ ...object, UploadId: uploadId })).catch(() => {});
    }
    throw error;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
}
