import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { compileReportSql, getCatalogReport, validateReportParameters, type CompileOptions } from '@reportrun/reports';
import { createStorageFromConfig, presignDownload, type Storage } from '@reportrun/storage';
import { useTestFixture } from '@reportrun/testing';
import { exportReport } from '../src/index.ts';
import { crc32Combine, DeflatePool, zipEntryStream } from '../src/zip/index.ts';

const run = promisify(execFile);
const fixture = useTestFixture({ database, seed: (db) => database.seedLedger(db.pool, 30_000) });
const pool = new DeflatePool(2);
let storage: Storage;
let directory: string;

beforeAll(async () => {
  storage = createStorageFromConfig(fixture.environment.config);
  directory = await mkdtemp(join(tmpdir(), 'zip-test-'));
});

afterAll(async () => {
  storage?.s3.destroy();
  await pool.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

/** Text-like bytes (compressible, as reports are) with some noise, `size` long. */
function sampleBytes(size: number): Buffer {
  const line = (index: number) => `txn_${String(index).padStart(10, '0')},2025-01-01 00:00:00,usd,${index % 997}.${index % 100},${randomBytes(3).toString('hex')}\n`;
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < size; index += 1) {
    const text = line(index);
    parts.push(text);
    length += text.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

async function zipOf(content: Buffer, chunkSize: number, blockSize?: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += chunkSize) chunks.push(content.subarray(offset, offset + chunkSize));
  const { archive, done } = zipEntryStream(Readable.from(chunks), {
    name: 'report.csv',
    modifiedAt: new Date('2026-11-25T12:34:56Z'),
    level: 6,
    pool,
    ...(blockSize ? { blockSize } : {}),
  });
  const [zip] = await Promise.all([buffer(archive), done]);
  return zip;
}

/** unzip -t passes, and both unzip and a JS reader give back exactly `content`. */
async function expectOpensTo(zip: Buffer, name: string, content: Buffer): Promise<void> {
  const path = join(directory, `${randomBytes(4).toString('hex')}.zip`);
  await writeFile(path, zip);
  const tested = await run('unzip', ['-t', path]);
  expect(tested.stdout).toMatch(/No errors detected/);
  const extracted = await run('unzip', ['-p', path, name], { encoding: 'buffer', maxBuffer: 1024 * 1024 * 1024 });
  expect(Buffer.compare(extracted.stdout, content)).toBe(0);
  const entries = unzipSync(new Uint8Array(zip));
  expect(Object.keys(entries)).toEqual([name]);
  expect(Buffer.compare(Buffer.from(entries[name]!), content)).toBe(0);
}

describe('the CRC-32 of a file is combined from its blocks', () => {
  it('equals the CRC-32 of the whole, for any split', () => {
    const whole = randomBytes(300_000);
    for (const cut of [0, 1, 4096, 131_072, 299_999, 300_000]) {
      const combined = crc32Combine(crc32(whole.subarray(0, cut)), crc32(whole.subarray(cut)), whole.length - cut);
      expect(combined).toBe(crc32(whole));
    }
  });
});

describe('a ZIP compressed in parallel blocks opens with standard tools', () => {
  it('an empty file', async () => {
    await expectOpensTo(await zipOf(Buffer.alloc(0), 1024), 'report.csv', Buffer.alloc(0));
  });

  it('a file smaller than one block, and one smaller than the deflate window', async () => {
    for (const size of [1, 100, 40_000]) {
      const content = sampleBytes(size);
      await expectOpensTo(await zipOf(content, 777), 'report.csv', content);
    }
  });

  it('a file of many blocks, whether it ends on a block boundary or not', async () => {
    for (const size of [64 * 1024 * 8, 64 * 1024 * 8 + 12_345]) {
      const content = sampleBytes(size);
      await expectOpensTo(await zipOf(content, 10_000, 64 * 1024), 'report.csv', content);
    }
  });

  it('is the same archive however the input arrives in chunks', async () => {
    const content = sampleBytes(3 * 1024 * 1024 + 17);
    const first = await zipOf(content, 65_536);
    expect(Buffer.compare(first, await zipOf(content, 1_000_003))).toBe(0);
    await expectOpensTo(first, 'report.csv', content);
    // It compresses like one stream would: report text shrinks several-fold.
    expect(first.length).toBeLessThan(content.length / 2);
  });
});

describe('a compressed run holds exactly the uncompressed file', () => {
  const cases: { name: string; options: CompileOptions; parameters: Record<string, unknown> }[] = [
    { name: 'CSV of many blocks', options: { format: 'csv', escapeFormulas: true }, parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' } },
    { name: 'JSON Lines of many blocks', options: { format: 'json', escapeFormulas: false }, parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' } },
    { name: 'CSV of an empty result', options: { format: 'csv', escapeFormulas: true }, parameters: { interval_start: '2030-01-01T00:00:00Z', interval_end: '2030-02-01T00:00:00Z' } },
    { name: 'JSON Lines of an empty result', options: { format: 'json', escapeFormulas: false }, parameters: { interval_start: '2030-01-01T00:00:00Z', interval_end: '2030-02-01T00:00:00Z' } },
  ];
  for (const { name, options, parameters } of cases) {
    it(name, async () => {
      const report = getCatalogReport('balance_change_from_activity.itemized.1');
      const compiled = compileReportSql(report, validateReportParameters(report, parameters).values, options);
      const download = async (compress: boolean) => {
        const objectKey = `zip-test/${randomBytes(6).toString('hex')}`;
        const file = await exportReport({ reportingPool: fixture.db.pool, storage, compiled, objectKey, filename: 'report', compress, statementTimeoutMs: 60_000 });
        const response = await fetch((await presignDownload(storage, objectKey, 60)).url);
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(bytes.length).toBe(file.size);
        return { bytes, rows: file.rows };
      };
      const plain = await download(false);
      const zipped = await download(true);
      expect(zipped.rows).toBe(plain.rows);
      const extension = options.format === 'json' ? 'jsonl' : 'csv';
      await expectOpensTo(zipped.bytes, `report.${extension}`, plain.bytes);
      if (parameters.interval_start === '2025-01-01T00:00:00Z') expect(plain.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    });
  }
});
