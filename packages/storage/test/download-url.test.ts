import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnvironment, type TestEnvironment } from '@reportrun/testing';
import { createStorageFromConfig, presignDownload, uploadStream, type Storage } from '../src/index.ts';

let environment: TestEnvironment;
let storage: Storage;

beforeAll(async () => {
  environment = await createTestEnvironment();
  storage = createStorageFromConfig(environment.config);
});
afterAll(async () => {
  storage?.s3.destroy();
  await environment?.cleanup();
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
    const { url } = await presignDownload(storage, 'b/report.csv', 1);
    expect((await fetch(url)).status).toBe(200);
    await sleep(2100);
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(await expired.text()).toContain('expired');
  });

  it('upload a body larger than one part as a multipart upload', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 97);
    const body = Readable.from((function* () { for (let i = 0; i < 12; i += 1) yield chunk; })());
    await uploadStream(storage, { key: 'c/big.csv', body, contentType: 'text/csv', partSize: 5 * 1024 * 1024 });
    const { url } = await presignDownload(storage, 'c/big.csv', 60);
    const response = await fetch(url);
    expect(Number(response.headers.get('content-length'))).toBe(12 * 1024 * 1024);
  });
});
