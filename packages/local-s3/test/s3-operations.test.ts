import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../src/index.ts';
import { errorCode, sendSigned } from './sdk-signer.ts';

const bucket = 'operations';
const mib = 1024 * 1024;
let server: LocalS3;
let s3: S3Client;
/** Headers of every request the client sent, to see which body encoding the SDK chose. */
const sentHeaders: Record<string, string>[] = [];

function clientFor(target: LocalS3): S3Client {
  const client = new S3Client({
    endpoint: target.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
  });
  client.middlewareStack.add(
    (next) => async (args) => {
      sentHeaders.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  return client;
}

beforeAll(async () => {
  server = await startLocalS3({ buckets: [bucket] });
  s3 = clientFor(server);
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
});

const md5 = (data: Buffer | string) => createHash('md5').update(data).digest();
const errorName = (promise: Promise<unknown>) => promise.then(() => 'resolved', (error: Error) => error.name);

describe('objects', () => {
  it('keep their bytes, content type and disposition', async () => {
    await s3.send(new PutObjectCommand({
      Bucket: bucket,
      Key: 'teams/t/report.csv',
      Body: 'id,amount\n1,"2,5"\n',
      ContentType: 'text/csv',
      ContentDisposition: 'attachment; filename="report.csv"',
    }));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'teams/t/report.csv' }));
    expect(await object.Body!.transformToString()).toBe('id,amount\n1,"2,5"\n');
    expect(object.ContentType).toBe('text/csv');
    expect(object.ContentDisposition).toBe('attachment; filename="report.csv"');
    expect(object.ETag).toBe(`"${md5('id,amount\n1,"2,5"\n').toString('hex')}"`);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'teams/t/report.csv' }));
    expect(head.ContentLength).toBe(18);
  });

  it('are stored from a streamed body the SDK sends aws-chunked with a CRC32 trailer', async () => {
    const body = Buffer.alloc(3 * mib + 17, 'x');
    sentHeaders.length = 0;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'streamed.bin', Body: Readable.from([body.subarray(0, mib), body.subarray(mib)]), ContentLength: body.length }));
    expect(sentHeaders.at(-1)).toMatchObject({ 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-trailer': 'x-amz-checksum-crc32' });
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed.bin' }));
    expect(object.ContentLength).toBe(body.length);
    expect(object.ContentEncoding).toBeUndefined();
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(body)).toBe(true);
  });

  it('are refused when an aws-chunked trailer checksum does not match the body', async () => {
    const chunked = `5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n`;
    const response = await sendSigned(server, {
      method: 'PUT',
      path: `/${bucket}/corrupt.txt`,
      headers: {
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-decoded-content-length': '5',
        'x-amz-trailer': 'x-amz-checksum-crc32',
      },
      body: chunked,
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('BadDigest');
    expect(await errorName(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'corrupt.txt' })))).toBe('NotFound');
  });

  it('are refused, with an error document rather than a reset, when aws-chunked framing is broken', async () => {
    const response = await sendSigned(server, {
      method: 'PUT',
      path: `/${bucket}/broken.txt`,
      headers: { 'content-encoding': 'aws-chunked', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'x-amz-decoded-content-length': '5' },
      body: `zz\r\nhello\r\n0\r\n\r\n`,
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('IncompleteBody');
    expect(await errorName(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'broken.txt' })))).toBe('NotFound');
  });

  it('serve byte ranges', async () => {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'range.txt', Body: '0123456789' }));
    const middle = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=2-5' }));
    expect(await middle.Body!.transformToString()).toBe('2345');
    expect(middle.ContentRange).toBe('bytes 2-5/10');
    const tail = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=-3' }));
    expect(await tail.Body!.transformToString()).toBe('789');
    expect(await errorName(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: 'bytes=10-' })))).toBe('InvalidRange');
  });

  it('answer NoSuchKey and NoSuchBucket for what does not exist', async () => {
    expect(await errorName(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing' })))).toBe('NoSuchKey');
    expect(await errorName(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'a' })))).toBe('NoSuchBucket');
    expect(await errorName(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })))).toBe('NotFound');
  });

  it('are listed by prefix, a page at a time', async () => {
    const keys = Array.from({ length: 7 }, (_, index) => `listing/k${index}`);
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'listing-not/x', Body: 'x' }));
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'listing/', MaxKeys: 3, ContinuationToken: token }));
      seen.push(...(page.Contents ?? []).map((object) => object.Key!));
      token = page.NextContinuationToken;
      pages += 1;
    } while (token);
    expect(seen).toEqual(keys);
    expect(pages).toBe(3);
    const grouped = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'listing', Delimiter: '/' }));
    expect(grouped.CommonPrefixes?.map((common) => common.Prefix)).toEqual(['listing-not/', 'listing/']);
  });

  it('are deleted one at a time and in batches', async () => {
    for (const key of ['gone/a', 'gone/b', 'gone/c']) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'gone/a' }));
    const batch = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'gone/b' }, { Key: 'gone/c' }] } }));
    expect(batch.Deleted?.map((deleted) => deleted.Key)).toEqual(['gone/b', 'gone/c']);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'gone/' }));
    expect(listed.KeyCount).toBe(0);
  });
});

describe('buckets', () => {
  it('are created, refuse deletion while not empty, then are deleted', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'short-lived' }));
    await s3.send(new PutObjectCommand({ Bucket: 'short-lived', Key: 'a', Body: 'a' }));
    expect(await errorName(s3.send(new DeleteBucketCommand({ Bucket: 'short-lived' })))).toBe('BucketNotEmpty');
    await s3.send(new DeleteObjectCommand({ Bucket: 'short-lived', Key: 'a' }));
    await s3.send(new DeleteBucketCommand({ Bucket: 'short-lived' }));
    expect(await errorName(s3.send(new HeadBucketCommand({ Bucket: 'short-lived' })))).toBe('NotFound');
  });
});

describe('multipart uploads', () => {
  it('are listed with their parts until completed, and complete with the multipart ETag', async () => {
    const key = 'multipart/complete.bin';
    const first = Buffer.alloc(5 * mib, 'a');
    const second = Buffer.from('the last part may be small');
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'text/csv' }));
    const etags = [];
    for (const [index, part] of [first, second].entries()) {
      const uploaded = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: index + 1, Body: part }));
      etags.push(uploaded.ETag!);
    }
    const pending = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'multipart/' }));
    expect(pending.Uploads?.map((upload) => [upload.Key, upload.UploadId])).toEqual([[key, UploadId]]);
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(parts.Parts?.map((part) => [part.PartNumber, part.Size])).toEqual([[1, first.length], [2, second.length]]);

    const completed = await s3.send(new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: etags.map((ETag, index) => ({ ETag, PartNumber: index + 1 })) },
    }));
    const expectedEtag = `"${createHash('md5').update(Buffer.concat([md5(first), md5(second)])).digest('hex')}-2"`;
    expect(completed.ETag).toBe(expectedEtag);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(object.ContentType).toBe('text/csv');
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(Buffer.concat([first, second]))).toBe(true);
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'multipart/' }));
    expect(after.Uploads ?? []).toEqual([]);
  });

  it('refuse to complete with a part that was never uploaded or parts too small', async () => {
    const key = 'multipart/invalid.bin';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    const small = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'small' }));
    const complete = (parts: { ETag: string; PartNumber: number }[]) =>
      errorName(s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } })));
    expect(await complete([{ ETag: '"0123456789abcdef0123456789abcdef"', PartNumber: 1 }])).toBe('InvalidPart');
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'also small' }));
    expect(await complete([{ ETag: small.ETag!, PartNumber: 1 }, { ETag: small.ETag!, PartNumber: 2 }])).toBe('InvalidPart');
    const parts = await s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId }));
    expect(await complete(parts.Parts!.map((part) => ({ ETag: part.ETag!, PartNumber: part.PartNumber! })))).toBe('EntityTooSmall');
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
  });

  it('are gone once aborted: not listed, and no part can be added', async () => {
    const key = 'aborted/run.csv';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
    await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: 'part' }));
    const { UploadId: otherId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: 'elsewhere/run.csv' }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'aborted/' }))).Uploads).toHaveLength(1);

    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId }));
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'aborted/' }))).Uploads ?? []).toEqual([]);
    expect(await errorName(s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 2, Body: 'late' })))).toBe('NoSuchUpload');
    expect(await errorName(s3.send(new ListPartsCommand({ Bucket: bucket, Key: key, UploadId })))).toBe('NoSuchUpload');
    expect(await errorName(s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })))).toBe('NoSuchUpload');
    // Only the aborted upload went away.
    const others = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: 'elsewhere/' }));
    expect(others.Uploads?.map((upload) => upload.UploadId)).toEqual([otherId]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: 'elsewhere/run.csv', UploadId: otherId }));
  });

  it('work through lib-storage with the SDK default checksums', async () => {
    const chunk = Buffer.alloc(mib, 'z');
    const body = Readable.from((function* () {
      for (let index = 0; index < 11; index += 1) yield chunk;
    })());
    const upload = new Upload({ client: s3, params: { Bucket: bucket, Key: 'lib-storage.bin', Body: body }, partSize: 5 * mib, queueSize: 2 });
    const done = await upload.done();
    expect(done.ETag).toMatch(/-3"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'lib-storage.bin' }));
    expect(head.ContentLength).toBe(11 * mib);
  });
});

describe('a restarted server', () => {
  it('keeps objects and pending multipart uploads in its directory', async () => {
    // A directory of our own: the server keeps it when stopped, as `pnpm dev` keeps its state.
    const directory = await mkdtemp(join(tmpdir(), 'reportrun-s3-restart-'));
    const first = await startLocalS3({ directory, buckets: ['restart'] });
    const port = Number(new URL(first.endpoint).port);
    let second: LocalS3 | undefined;
    const client = clientFor(first);
    try {
      await client.send(new PutObjectCommand({ Bucket: 'restart', Key: 'kept.csv', Body: 'kept', ContentType: 'text/csv' }));
      const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: 'restart', Key: 'pending.csv' }));
      await client.send(new UploadPartCommand({ Bucket: 'restart', Key: 'pending.csv', UploadId, PartNumber: 1, Body: 'part one' }));

      // Stopped with its directory kept: storage is down, requests fail at the connection.
      await first.stop();
      await expect(client.send(new HeadBucketCommand({ Bucket: 'restart' }))).rejects.toThrow();

      second = await startLocalS3({ port, directory });
      const object = await client.send(new GetObjectCommand({ Bucket: 'restart', Key: 'kept.csv' }));
      expect(await object.Body!.transformToString()).toBe('kept');
      expect(object.ContentType).toBe('text/csv');
      const pending = await client.send(new ListMultipartUploadsCommand({ Bucket: 'restart' }));
      expect(pending.Uploads?.map((upload) => upload.UploadId)).toEqual([UploadId]);
      const parts = await client.send(new ListPartsCommand({ Bucket: 'restart', Key: 'pending.csv', UploadId }));
      expect(parts.Parts?.map((part) => part.Size)).toEqual([8]);
    } finally {
      client.destroy();
      await second?.stop();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
