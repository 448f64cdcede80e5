import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture } from '@reportrun/testing';
import { createStorageFromConfig, listMultipartUploads, listObjectKeys, uploadStream, type Storage } from '../src/index.ts';

const fixture = useTestFixture();
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(() => {
  storage?.s3.destroy();
});

const mib = 1024 * 1024;
/** S3's smallest part, so the tests cross part boundaries with little data. */
const partSize = 5 * mib;

/** `length` deterministic bytes in chunks of `chunkSize` (not a divisor of the part size). */
function bytes(length: number, chunkSize = 100_003): Buffer[] {
  const chunks: Buffer[] = [];
  for (let start = 0; start < length; start += chunkSize) {
    const chunk = Buffer.allocUnsafe(Math.min(chunkSize, length - start));
    for (let index = 0; index < chunk.length; index += 1) chunk[index] = (start + index) % 251;
    chunks.push(chunk);
  }
  return chunks;
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

async function stored(key: string): Promise<{ body: Uint8Array; etag: string; contentType?: string; contentDisposition?: string }> {
  const object = await storage.s3.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key }));
  return {
    body: await object.Body!.transformToByteArray(),
    etag: object.ETag!,
    ...(object.ContentType ? { contentType: object.ContentType } : {}),
    ...(object.ContentDisposition ? { contentDisposition: object.ContentDisposition } : {}),
  };
}

async function pendingUploads(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const upload of listMultipartUploads(storage, prefix)) keys.push(upload.key);
  return keys;
}

describe('uploadStream', () => {
  it('stores a body of several parts byte for byte, with its content type and disposition', async () => {
    const chunks = bytes(12 * mib + 12_345);
    await uploadStream(storage, {
      key: 'upload/parts.csv',
      body: Readable.from(chunks),
      contentType: 'text/csv',
      contentDisposition: 'attachment; filename="parts.csv"',
      partSize,
    });
    const object = await stored('upload/parts.csv');
    expect(object.body.length).toBe(12 * mib + 12_345);
    expect(sha256(object.body)).toBe(sha256(Buffer.concat(chunks)));
    // A multipart object's ETag ends with its part count: two full parts and the rest.
    expect(object.etag).toMatch(/-3"?$/);
    expect(object.contentType).toBe('text/csv');
    expect(object.contentDisposition).toBe('attachment; filename="parts.csv"');
  });

  it('ends a body of exactly two parts with a full last part, never an empty third', async () => {
    const chunks = bytes(2 * partSize, 65_536);
    await uploadStream(storage, { key: 'upload/exact.bin', body: Readable.from(chunks), contentType: 'application/octet-stream', partSize });
    const object = await stored('upload/exact.bin');
    expect(sha256(object.body)).toBe(sha256(Buffer.concat(chunks)));
    expect(object.etag).toMatch(/-2"?$/);
  });

  it('stores a body shorter than one part, and an empty one, with a single request each', async () => {
    await uploadStream(storage, { key: 'upload/small.txt', body: Readable.from(['a', 'b', 'c']), contentType: 'text/plain', partSize });
    const small = await stored('upload/small.txt');
    expect(Buffer.from(small.body).toString()).toBe('abc');
    expect(small.etag).not.toMatch(/-\d+"?$/);
    await uploadStream(storage, { key: 'upload/empty.txt', body: Readable.from([]), contentType: 'text/plain', partSize });
    const head = await storage.s3.send(new HeadObjectCommand({ Bucket: storage.bucket, Key: 'upload/empty.txt' }));
    expect(head.ContentLength).toBe(0);
  });

  it('fails with the body’s error and leaves no object and no pending upload when the body fails after some parts', async () => {
    const failure = new Error('the query failed');
    async function* failingBody() {
      for (const chunk of bytes(11 * mib)) yield chunk;
      throw failure;
    }
    await expect(
      uploadStream(storage, { key: 'upload/failed/file.csv', body: Readable.from(failingBody()), contentType: 'text/csv', partSize }),
    ).rejects.toBe(failure);
    expect(await listObjectKeys(storage, 'upload/failed/')).toEqual([]);
    expect(await pendingUploads('upload/failed/')).toEqual([]);
  });

  it('stops with the abort reason and leaves nothing behind when its signal aborts mid-upload', async () => {
    const controller = new AbortController();
    const reason = new Error('run canceled');
    async function* slowBody() {
      for (const chunk of bytes(6 * mib)) yield chunk;
      // The first part is on its way; the run is canceled before the body ends.
      controller.abort(reason);
      for (const chunk of bytes(6 * mib)) yield chunk;
    }
    await expect(
      uploadStream(storage, { key: 'upload/aborted/file.csv', body: Readable.from(slowBody()), contentType: 'text/csv', partSize, signal: controller.signal }),
    ).rejects.toBe(reason);
    expect(await listObjectKeys(storage, 'upload/aborted/')).toEqual([]);
    expect(await pendingUploads('upload/aborted/')).toEqual([]);
  });
});
