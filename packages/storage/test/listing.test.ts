import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture } from '@reportrun/testing';
import {
  abortMultipartUpload,
  createStorageFromConfig,
  deleteObjects,
  listMultipartUploads,
  listObjectKeys,
  listObjects,
  uploadStream,
  type Storage,
} from '../src/index.ts';

const fixture = useTestFixture();
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(() => {
  storage?.s3.destroy();
});

async function put(key: string): Promise<void> {
  await uploadStream(storage, { key, body: Readable.from([`${key}\n`]), contentType: 'text/plain' });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

/** Starts a multipart upload and sends one part, as a worker does before it dies. */
async function startUpload(key: string): Promise<string> {
  const { UploadId } = await storage.s3.send(
    new CreateMultipartUploadCommand({ Bucket: storage.bucket, Key: key }),
  );
  await storage.s3.send(
    new UploadPartCommand({ Bucket: storage.bucket, Key: key, UploadId, PartNumber: 1, Body: 'part one' }),
  );
  return UploadId!;
}

describe('listing and deleting objects', () => {
  it('lists every object under a prefix across pages, and nothing outside it', async () => {
    const keys = Array.from({ length: 7 }, (_, index) => `listed/${index}.csv`);
    await Promise.all([...keys, 'listedelsewhere/x.csv', 'other/y.csv'].map(put));

    const listed = await collect(listObjects(storage, 'listed/', { pageSize: 3 }));
    expect(listed.map((object) => object.key).sort()).toEqual([...keys].sort());
    for (const object of listed) {
      expect(object.size).toBe(object.key.length + 1);
      expect(object.lastModified.getTime()).toBeGreaterThan(Date.now() - 60_000);
    }
  });

  it('deletes a batch of keys in one call and treats missing keys as deleted', async () => {
    const keys = Array.from({ length: 5 }, (_, index) => `doomed/${index}.csv`);
    await Promise.all([...keys, 'doomed-not/keep.csv'].map(put));

    const result = await deleteObjects(storage, [...keys, 'doomed/never-existed.csv']);
    expect(result).toEqual({ deleted: 6, failed: [] });
    expect(await listObjectKeys(storage, 'doomed')).toEqual(['doomed-not/keep.csv']);
  });
});

describe('pending multipart uploads', () => {
  it('lists open uploads under a prefix across pages and aborts them one by one', async () => {
    const keys = ['stale/a.csv', 'stale/b.csv', 'stale/c.csv', 'stale/b.csv'];
    const uploadIds = [];
    for (const key of keys) uploadIds.push(await startUpload(key));
    const outside = await startUpload('fresh/a.csv');

    const listed = await collect(listMultipartUploads(storage, 'stale/', { pageSize: 2 }));
    expect(listed.map((upload) => upload.uploadId).sort()).toEqual([...uploadIds].sort());
    expect(listed.map((upload) => upload.key).sort()).toEqual([...keys].sort());
    for (const upload of listed) expect(upload.initiated.getTime()).toBeGreaterThan(Date.now() - 60_000);

    for (const upload of listed) await abortMultipartUpload(storage, upload);
    expect(await collect(listMultipartUploads(storage, 'stale/'))).toEqual([]);
    // Aborting an upload that is already gone is what the caller wanted anyway.
    await abortMultipartUpload(storage, listed[0]!);
    expect((await collect(listMultipartUploads(storage, 'fresh/'))).map((upload) => upload.uploadId)).toEqual(
      [outside],
    );
  });
});
