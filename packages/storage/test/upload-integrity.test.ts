import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestFixture } from '@reportrun/testing';
import { createStorageFromConfig, listMultipartUploads, uploadStream, type Storage } from '../src/index.ts';

const fixture = useTestFixture();
let storage: Storage;
let sha256Storage: Storage;

/** What each upload request carried, as signed and sent. */
interface SentUpload {
  command: string;
  payloadHash: string | undefined;
  crc32: string | undefined;
  bodyCrc32: string | undefined;
}

type Handler = (args: { request: unknown }) => Promise<unknown>;
/** A middleware placed after signing: it sees (and may change) what the server receives. */
const afterSigning = (
  target: Storage,
  name: string,
  middleware: (next: Handler, context: { commandName?: string }) => Handler,
) =>
  target.s3.middlewareStack.addRelativeTo(middleware as never, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    name,
  });

/** Records the requests a client sends, after signing (what the server sees). */
function recordUploads(target: Storage): SentUpload[] {
  const sent: SentUpload[] = [];
  afterSigning(target, 'recordUploads', (next, context) => async (args) => {
    const request = args.request as { headers: Record<string, string>; body?: unknown };
    const body = request.body instanceof Uint8Array ? request.body : undefined;
    sent.push({
      command: context.commandName ?? '',
      payloadHash: request.headers['x-amz-content-sha256'],
      crc32: request.headers['x-amz-checksum-crc32'],
      bodyCrc32: body ? crc32Base64(body) : undefined,
    });
    return next(args);
  });
  return sent;
}

/** Flips one byte of each UploadPart body after its checksum was computed: corruption in transit. */
function corruptParts(target: Storage): void {
  afterSigning(target, 'corruptParts', (next, context) => async (args) => {
    const request = args.request as { body?: unknown };
    if (context.commandName === 'UploadPartCommand' && request.body instanceof Uint8Array) {
      const copy = Buffer.from(request.body);
      copy[0] = copy[0]! ^ 0xff;
      request.body = copy;
    }
    return next(args);
  });
}

const crc32Base64 = (bytes: Uint8Array) => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(bytes) >>> 0);
  return value.toString('base64');
};

async function readObject(key: string): Promise<Buffer> {
  const object = await storage.s3.send(new GetObjectCommand({ Bucket: storage.bucket, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

const sixMiB = 6 * 1024 * 1024;
function bytesOf(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) bytes[index] = (index * 31 + seed) % 251;
  return bytes;
}

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
  sha256Storage = createStorageFromConfig({ ...fixture.environment.config, S3_PAYLOAD_SIGNING: 'sha256' });
});

afterAll(() => {
  storage?.s3.destroy();
  sha256Storage?.s3.destroy();
});

describe('upload integrity', () => {
  it('signs single and multipart uploads as UNSIGNED-PAYLOAD with the CRC-32 of exactly the bytes sent', async () => {
    const sent = recordUploads(storage);
    const small = bytesOf(1000, 1);
    const large = bytesOf(2 * sixMiB + 12345, 2);
    await uploadStream(storage, {
      key: 'integrity/small.csv',
      body: Readable.from([small]),
      contentType: 'text/csv',
    });
    await uploadStream(storage, {
      key: 'integrity/large.csv',
      body: Readable.from([large.subarray(0, 70_000), large.subarray(70_000)]),
      contentType: 'text/csv',
      partSize: sixMiB,
    });

    const bodies = sent.filter(
      (request) => request.command === 'PutObjectCommand' || request.command === 'UploadPartCommand',
    );
    expect(bodies.map((request) => request.command)).toEqual([
      'PutObjectCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'UploadPartCommand',
    ]);
    for (const request of bodies) {
      expect(request.payloadHash).toBe('UNSIGNED-PAYLOAD');
      expect(request.crc32).toBeDefined();
      expect(request.crc32).toBe(request.bodyCrc32);
    }
    expect((await readObject('integrity/small.csv')).equals(small)).toBe(true);
    // Buffer.equals: a deep equality over megabytes is slow.
    expect((await readObject('integrity/large.csv')).equals(large)).toBe(true);
  });

  it('signs the body itself with S3_PAYLOAD_SIGNING=sha256', async () => {
    const sent = recordUploads(sha256Storage);
    const bytes = bytesOf(sixMiB + 10, 3);
    await uploadStream(sha256Storage, {
      key: 'integrity/sha256.csv',
      body: Readable.from([bytes]),
      contentType: 'text/csv',
      partSize: sixMiB,
    });
    const bodies = sent.filter((request) => request.command === 'UploadPartCommand');
    expect(bodies).toHaveLength(2);
    for (const request of bodies) {
      expect(request.payloadHash).toMatch(/^[0-9a-f]{64}$/);
      expect(request.crc32).toBeUndefined();
    }
    expect((await readObject('integrity/sha256.csv')).equals(bytes)).toBe(true);
  });

  it('a part corrupted on its way fails the upload, leaving neither an object nor an open multipart upload', async (context) => {
    // Servers that ignore checksum headers (Ceph before 19) cannot refuse it; S3_PAYLOAD_SIGNING=sha256 is their setting.
    const probe = await storage.s3
      .send(
        new PutObjectCommand({
          Bucket: storage.bucket,
          Key: 'integrity/probe',
          Body: 'probe',
          ChecksumCRC32: crc32Base64(Buffer.from('other')),
        }),
      )
      .then(
        () => 'accepted' as const,
        () => 'refused' as const,
      );
    if (probe === 'accepted') context.skip();

    const corrupting = createStorageFromConfig(fixture.environment.config);
    corruptParts(corrupting);
    try {
      await expect(
        uploadStream(corrupting, {
          key: 'integrity/corrupted.csv',
          body: Readable.from([bytesOf(sixMiB + 100, 4)]),
          contentType: 'text/csv',
          partSize: sixMiB,
        }),
      ).rejects.toThrow();
    } finally {
      corrupting.s3.destroy();
    }
    await expect(
      storage.s3.send(new HeadObjectCommand({ Bucket: storage.bucket, Key: 'integrity/corrupted.csv' })),
    ).rejects.toThrow();
    const open: string[] = [];
    for await (const upload of listMultipartUploads(storage, 'integrity/')) open.push(upload.key);
    expect(open).toEqual([]);
  });
});
