import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../src/index.ts';
import { verifyRequest } from '../src/signature.ts';
import { encode, errorCode, sdkSigner, sendSigned, toHttpRequest, urlOf } from './sdk-signer.ts';

let server: LocalS3;
let s3: S3Client;
const bucket = 'signatures';

beforeAll(async () => {
  server = await startLocalS3({ buckets: [bucket] });
  s3 = new S3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
  });
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'report.csv', Body: 'id\n1\n', ContentType: 'text/csv' }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'other.csv', Body: 'secret\n' }));
});
afterAll(async () => {
  s3?.destroy();
  await server?.stop();
});

const presign = (key: string, expiresIn = 60, signingDate = new Date()) =>
  getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn, signingDate });

describe('the loopback S3 server refuses', () => {
  it('an unsigned GET of an object', async () => {
    const response = await fetch(`${server.endpoint}/${bucket}/report.csv`);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('an anonymous listing of a bucket', async () => {
    const response = await fetch(`${server.endpoint}/${bucket}?list-type=2`);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
    const allBuckets = await fetch(`${server.endpoint}/`);
    expect(allBuckets.status).toBe(403);
  });

  it('a presigned URL whose path was changed to another object', async () => {
    const url = await presign('report.csv');
    expect((await fetch(url)).status).toBe(200);
    const response = await fetch(url.replace('/report.csv?', '/other.csv?'));
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('a presigned URL whose query was changed or extended', async () => {
    const url = new URL(await presign('report.csv', 60));
    const longer = new URL(url);
    longer.searchParams.set('X-Amz-Expires', '604800');
    const extended = new URL(url);
    extended.searchParams.set('response-content-type', 'text/html');
    for (const tampered of [longer, extended]) {
      const response = await fetch(tampered);
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
    }
  });

  it('a presigned URL after it expired', async () => {
    // Signed two minutes ago for one minute: expired now, with no waiting.
    const url = await presign('report.csv', 60, new Date(Date.now() - 120_000));
    const response = await fetch(url);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('a signed request whose signed header was changed', async () => {
    const request = { method: 'PUT', path: `/${bucket}/tampered.csv`, headers: { 'content-type': 'text/csv' }, body: 'a\n' };
    const untouched = await sendSigned(server, request);
    expect(untouched.status).toBe(200);
    const response = await sendSigned(server, request, (signed) => {
      signed.headers['content-type'] = 'text/html';
    });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('SignatureDoesNotMatch');
  });

  it('a signed request whose path or query was changed', async () => {
    const request = { method: 'GET', path: `/${bucket}/report.csv` };
    const path = await sendSigned(server, request, (signed) => {
      signed.path = `/${bucket}/other.csv`;
    });
    expect(path.status).toBe(403);
    expect(await errorCode(path)).toBe('SignatureDoesNotMatch');
    const query = await sendSigned(server, { method: 'GET', path: `/${bucket}`, query: { 'list-type': '2', prefix: 'report' } }, (signed) => {
      signed.query = { ...signed.query, prefix: 'other' };
    });
    expect(query.status).toBe(403);
    expect(await errorCode(query)).toBe('SignatureDoesNotMatch');
  });

  it('an x-amz-* header the signature does not cover', async () => {
    const response = await sendSigned(server, { method: 'GET', path: `/${bucket}/report.csv` }, (signed) => {
      signed.headers['x-amz-meta-added'] = 'later';
    });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe('AccessDenied');
  });

  it('a request signed with another secret or another access key', async () => {
    const wrongSecret = await sendSigned(server, { method: 'GET', path: `/${bucket}/report.csv` }, undefined, sdkSigner(server, 'not-the-secret'));
    expect(wrongSecret.status).toBe(403);
    expect(await errorCode(wrongSecret)).toBe('SignatureDoesNotMatch');
    const stranger = await sendSigned(server, { method: 'GET', path: `/${bucket}/report.csv` }, undefined, sdkSigner({ accessKeyId: 'someone-else', secretAccessKey: server.secretAccessKey }));
    expect(stranger.status).toBe(403);
    expect(await errorCode(stranger)).toBe('InvalidAccessKeyId');
  });

  it('a body that does not match the payload hash it was signed with', async () => {
    const response = await sendSigned(server, { method: 'PUT', path: `/${bucket}/swapped.csv`, body: 'signed body' }, (signed) => {
      signed.body = 'other body!';
    });
    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe('XAmzContentSHA256Mismatch');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'swapped' }));
    expect(listed.KeyCount).toBe(0);
  });
});

describe('signature checking agrees with the AWS SDK signer', () => {
  // Keys with characters that encodings disagree on: space, plus, reserved and non-ASCII.
  const awkwardKeys = ["a b+c/d!e'f(g)h*i~j.csv", 'teams/é/ünïcode 💾.csv', 'equals=and&amp;%25.csv'];

  it('for header signatures, on requests the SDK signs with awkward paths and queries', async () => {
    const signer = sdkSigner(server);
    for (const key of awkwardKeys) {
      // Encoded as the S3 client's serializer encodes keys: each segment, RFC 3986 strict.
      const path = `/${bucket}/${key.split('/').map(encode).join('/')}`;
      const signed = await signer.sign(
        toHttpRequest(server.endpoint, { method: 'GET', path, query: { 'response-content-disposition': 'attachment; filename="a b.csv"', 'x-id': 'GetObject' } }),
      );
      const headers = new Map(Object.entries(signed.headers).map(([name, value]) => [name.toLowerCase(), [value]]));
      expect(() => verifyRequest({ method: 'GET', url: urlOf('', signed), headers }, server)).not.toThrow();
      headers.set('host', ['127.0.0.2:1']);
      expect(() => verifyRequest({ method: 'GET', url: urlOf('', signed), headers }, server)).toThrow(/signature we calculated/);
    }
  });

  it('for presigned URLs, end to end through the client for awkward keys', async () => {
    for (const key of awkwardKeys) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
      const response = await fetch(await presign(key));
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(key);
    }
    // As S3's presigner does: query signatures cover UNSIGNED-PAYLOAD, hoisted into the query.
    const presigned = await sdkSigner(server).presign(
      toHttpRequest(server.endpoint, { method: 'GET', path: `/${bucket}/report.csv`, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }),
      { expiresIn: 30 },
    );
    expect((await fetch(urlOf(server.endpoint, presigned))).status).toBe(200);
  });
});
