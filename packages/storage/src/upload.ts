import type { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
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
  /** Parts sent at once; while they are all in flight the body is not read (backpressure). */
  partsInFlight?: number;
}

/** S3's limit on the parts of one multipart upload. */
const maxParts = 10_000;

/** The first part's first buffer: a small result never allocates a whole part. */
const firstBufferSize = 256 * 1024;

/**
 * One part as it fills: the body's bytes copied into a buffer of the part size, with their
 * CRC-32 computed as they arrive when the upload is checksummed. Buffers are reused once their
 * part has been sent, so a whole export allocates `partsInFlight + 1` of them instead of a new
 * one per part. The first part starts small and doubles as it fills, so a small result (most
 * runs are) costs about its own size, not a part's.
 */
class Part {
  size = 0;
  private crc = 0;
  constructor(
    public buffer: Buffer,
    private readonly capacity: number,
    private readonly checksummed: boolean,
  ) {}

  get full(): boolean {
    return this.size === this.capacity;
  }

  /** Copies as much of `chunk` as fits; returns what is left for the next part. */
  fill(chunk: Buffer): Buffer {
    const taken = Math.min(chunk.length, this.capacity - this.size);
    if (this.size + taken > this.buffer.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(this.capacity, Math.max(this.buffer.length * 2, this.size + taken)));
      this.buffer.copy(grown, 0, 0, this.size);
      this.buffer = grown;
    }
    const piece = chunk.subarray(0, taken);
    piece.copy(this.buffer, this.size);
    this.size += taken;
    if (this.checksummed) this.crc = crc32(piece, this.crc);
    return chunk.subarray(taken);
  }

  /** The request body, and when checksummed its CRC-32 (`x-amz-checksum-crc32`, big-endian, base64). */
  request(): { Body: Buffer; ContentLength: number; ChecksumCRC32?: string } {
    const Body = this.buffer.subarray(0, this.size);
    if (!this.checksummed) return { Body, ContentLength: this.size };
    const value = Buffer.alloc(4);
    value.writeUInt32BE(this.crc >>> 0);
    return { Body, ContentLength: this.size, ChecksumCRC32: value.toString('base64') };
  }
}

/**
 * Streams a body of unknown length into the bucket: one PutObject when it fits in one part,
 * otherwise a multipart upload with at most `partsInFlight` parts in flight plus the one
 * filling (the body is not read while they are all in flight). Each part carries its CRC-32.
 * On any failure — the body's, a part's, the signal's — the multipart upload is aborted before
 * this rejects, so no parts are left behind.
 */
export async function uploadStream(storage: Storage, input: UploadStreamInput): Promise<void> {
  const partSize = input.partSize ?? 8 * 1024 * 1024;
  const partsInFlight = input.partsInFlight ?? 2;
  const { Bucket, Key } = { Bucket: storage.bucket, Key: input.key };
  const headers = {
    ContentType: input.contentType,
    ...(input.contentDisposition ? { ContentDisposition: input.contentDisposition } : {}),
  };
  const checksummed = storage.payloadSigning === 'checksum';
  // The first failure is the upload's: it stops the requests in flight and the body, and their
  // own errors (aborted requests, a destroyed stream) are only its echoes.
  const requests = new AbortController();
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    requests.abort(failure);
    input.body.destroy(failure instanceof Error ? failure : new Error(String(failure)));
  };
  const onAbort = () => fail(input.signal?.reason instanceof Error ? input.signal.reason : new Error('upload aborted'));
  if (input.signal?.aborted) onAbort();
  input.signal?.addEventListener('abort', onAbort, { once: true });

  let uploadId: string | undefined;
  const completed: CompletedPart[] = [];
  const inFlight = new Set<Promise<void>>();
  const spare: Buffer[] = [];
  let partNumber = 0;
  const newPart = () =>
    new Part(spare.pop() ?? Buffer.allocUnsafeSlow(partNumber === 0 ? Math.min(firstBufferSize, partSize) : partSize), partSize, checksummed);
  const sendPart = (part: Part, number: number) => {
    const sending = (async () => {
      const request = part.request();
      const sent = await storage.s3.send(
        new UploadPartCommand({ Bucket, Key, UploadId: uploadId, PartNumber: number, ...request }),
        { abortSignal: requests.signal },
      );
      completed.push({ PartNumber: number, ETag: sent.ETag, ...(request.ChecksumCRC32 ? { ChecksumCRC32: request.ChecksumCRC32 } : {}) });
      if (part.buffer.length === partSize) spare.push(part.buffer);
    })();
    // A failed part stops the body at once; the loop below rethrows the failure.
    sending.catch(fail);
    const tracked = sending.finally(() => inFlight.delete(tracked));
    tracked.catch(() => {});
    inFlight.add(tracked);
  };

  try {
    let part = newPart();
    for await (const chunk of input.body as AsyncIterable<Buffer | Uint8Array | string>) {
      let rest = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      // A part is sent only when more bytes follow it, so a body of exactly one part is one PutObject.
      while (rest.length > 0) {
        if (part.full) {
          // The last part must fit too: fail now rather than upload gigabytes S3 will refuse.
          if (partNumber + 1 >= maxParts) throw new Error(`The file is larger than ${maxParts} parts of ${partSize} bytes, the most one upload may have.`);
          if (uploadId === undefined) {
            const created = await storage.s3.send(
              new CreateMultipartUploadCommand({ Bucket, Key, ...headers, ...(checksummed ? { ChecksumAlgorithm: 'CRC32' } : {}) }),
              { abortSignal: requests.signal },
            );
            uploadId = created.UploadId;
          }
          partNumber += 1;
          sendPart(part, partNumber);
          // Backpressure: the body is read again once a part has gone.
          while (inFlight.size >= partsInFlight) await Promise.race(inFlight);
          if (failure) throw failure;
          part = newPart();
        }
        rest = part.fill(rest);
      }
    }
    if (uploadId === undefined) {
      // The whole body fit in one part: one request.
      await storage.s3.send(new PutObjectCommand({ Bucket, Key, ...headers, ...part.request() }), { abortSignal: requests.signal });
      return;
    }
    sendPart(part, partNumber + 1);
    await Promise.all(inFlight);
    if (failure) throw failure;
    await storage.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: completed.toSorted((a, b) => a.PartNumber! - b.PartNumber!) },
      }),
      { abortSignal: requests.signal },
    );
  } catch (error) {
    fail(error);
    await Promise.allSettled(inFlight);
    if (uploadId !== undefined) {
      // Not under the aborted signal: this request must go out.
      await storage.s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId: uploadId })).catch(() => {});
    }
    throw failure;
  } finally {
    input.signal?.removeEventListener('abort', onAbort);
  }
}
