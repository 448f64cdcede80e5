import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture } from '@reportrun/testing';
import { createStorageFromConfig, presignDownload, uploadStream, type Storage } from '../src/index.ts';

const fixture = useTestFixture();
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(() => {
  storage?.s3.destroy();
});

describe('download links', () => {
  it('serve the uploaded bytes through plain fetch', async () => {
    const body = 'id,amount\n1,2\n';
    await uploadStream(storage, { key: 'a/report.csv', body: Readable.from([body]), contentType: 'text/csv' });
    const { url, expiresAt } = await presignDownload(storage, 'a/report.csv', 60);
    expect(expiresAt.getTime()).toBeGreaterThan(Date.now());
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(await response.text()).toBe(body);
  });

  it('stop working after they expire', async () => {
    await uploadStream(storage, { key: 'b/report.csv', body: Readable.from(['x\n']), contentType: 'text/csv' });
    // Signed in the past rather than waited out: one link still inside its minute, one past it.
    const fresh = await presignDownload(storage, 'b/report.csv', 60, new Date(Date.now() - 30_000));
    expect((await fetch(fresh.url)).status).toBe(200);
    const stale = await presignDownload(storage, 'b/report.csv', 60, new Date(Date.now() - 90_000));
    expect(stale.expiresAt.getTime()).toBeLessThan(Date.now());
    // S3's answer to an expired link is 403, whatever the server's wording.
    expect((await fetch(stale.url)).status).toBe(403);
  });

  it('upload a body larger than one part as a multipart upload', async () => {
    const uploadedParts: number[] = [];
    storage.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UploadPartCommand') uploadedParts.push((args.input as { PartNumber: number }).PartNumber);
        return next(args);
      },
      { step: 'initialize', name: 'countUploadParts' },
    );
    try {
      const chunk = Buffer.alloc(1024 * 1024, 97);
      const body = Readable.from((function* () { for (let i = 0; i < 12; i += 1) yield chunk; })());
      await uploadStream(storage, { key: 'c/big.csv', body, contentType: 'text/csv', partSize: 5 * 1024 * 1024 });
    } finally {
      storage.s3.middlewareStack.remove('countUploadParts');
    }
    // 12 MiB in 5 MiB parts: two full parts and a last one of 2 MiB.
    expect(uploadedParts.sort()).toEqual([1, 2, 3]);
    const { url } = await presignDownload(storage, 'c/big.csv', 60);
    const response = await fetch(url);
    expect(Number(response.headers.get('content-length'))).toBe(12 * 1024 * 1024);
    // S3 marks an object assembled from parts by its ETag: the MD5 of the part MD5s, "-", the count.
    expect(response.headers.get('etag')).toMatch(/-3"$/);
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.alloc(12 * 1024 * 1024, 97))).toBe(true);
  });
});
