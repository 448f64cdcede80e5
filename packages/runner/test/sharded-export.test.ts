import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { compileReportSql, getCatalogReport, validateReportParameters, type CompileOptions } from '@reportrun/reports';
import { createStorageFromConfig, presignDownload, type Storage } from '@reportrun/storage';
import { useTestFixture } from '@reportrun/testing';
import { exportReport, type ShardSettings } from '../src/index.ts';

const fixture = useTestFixture({ database, seed: (db) => database.seedLedger(db.pool, 30_000) });
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(() => {
  storage?.s3.destroy();
});

const year = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };
const modifiedAt = new Date('2026-11-25T10:00:00Z');

async function download(options: CompileOptions, compress: boolean, shards?: ShardSettings, parameters = year) {
  const report = getCatalogReport('balance_change_from_activity.itemized.1');
  const compiled = compileReportSql(report, validateReportParameters(report, parameters).values, options);
  const objectKey = `shard-test/${randomBytes(6).toString('hex')}`;
  const file = await exportReport({
    reportingPool: fixture.db.pool,
    storage,
    compiled,
    objectKey,
    filename: 'report',
    compress,
    modifiedAt,
    statementTimeoutMs: 120_000,
    ...(shards ? { shards } : {}),
  });
  const response = await fetch((await presignDownload(storage, objectKey, 60)).url);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(bytes.length).toBe(file.size);
  return { bytes, rows: file.rows };
}

const csv: CompileOptions = { format: 'csv', escapeFormulas: true };
const jsonLines: CompileOptions = { format: 'json', escapeFormulas: false };

describe('a sharded export is the same file as the one-connection export', () => {
  for (const [name, options, compress] of [
    ['CSV', csv, false],
    ['JSON Lines', jsonLines, false],
    ['ZIP of CSV', csv, true],
    ['ZIP of JSON Lines', jsonLines, true],
  ] as const) {
    it(`${name}, byte for byte, with one header`, async () => {
      const single = await download(options, compress);
      const sharded = await download(options, compress, { shards: 3, minRows: 0 });
      expect(sharded.rows).toBe(30_000);
      expect(sharded.rows).toBe(single.rows);
      expect(Buffer.compare(sharded.bytes, single.bytes)).toBe(0);
    });
  }

  it('an empty result, and a result under the row threshold, are single files too', async () => {
    const empty = { interval_start: '2030-01-01T00:00:00Z', interval_end: '2030-02-01T00:00:00Z' };
    const single = await download(csv, false, undefined, empty);
    const sharded = await download(csv, false, { shards: 4, minRows: 0 }, empty);
    expect(sharded.bytes.toString()).toBe(single.bytes.toString());
    expect(sharded.rows).toBe(0);
    const small = await download(csv, false, { shards: 4, minRows: 1_000_000 });
    expect(Buffer.compare(small.bytes, (await download(csv, false)).bytes)).toBe(0);
  });
});

describe('the shards read one snapshot', () => {
  it('rows committed while the shards run are in every range or in none', async () => {
    // Each batch commits one row early in the year and one late, so they fall in the first and
    // the last shard: shards reading different snapshots would hold half a batch.
    let stop = false;
    let committed = 0;
    const inserter = (async () => {
      while (!stop) {
        const batch = committed + 1;
        await fixture.db.pool.query(
          `INSERT INTO dataset.balance_transactions
             (id, created, available_on, currency, amount, fee, net, type, reporting_category, customer, description, status)
           VALUES ($1, '2025-01-15T12:00:00Z', '2025-01-17T12:00:00Z', 'usd', 500, 10, 490, 'charge', 'charge', NULL, $3, 'available'),
                  ($2, '2025-12-15T12:00:00Z', '2025-12-17T12:00:00Z', 'usd', 500, 10, 490, 'charge', 'charge', NULL, $3, 'available')`,
          [`txn_batch_${batch}_a`, `txn_batch_${batch}_b`, `batch ${batch}`],
        );
        committed = batch;
      }
    })();
    try {
      // Wait for the inserter to be going, so batches land before, during and after the export.
      while (committed < 3) await new Promise((resolve) => setTimeout(resolve, 10));
      const sharded = await download(csv, false, { shards: 3, minRows: 0 });
      const committedByEnd = committed;
      stop = true;
      await inserter;
      const text = sharded.bytes.toString();
      const present = [...text.matchAll(/txn_batch_(\d+)_([ab])/g)].map((match) => `${match[1]}${match[2]}`);
      const batches = new Set(present.map((entry) => Number(entry.slice(0, -1))));
      const last = Math.max(...batches);
      // Every batch up to the last one seen is there whole, and nothing after it.
      for (let batch = 1; batch <= last; batch += 1) {
        expect(present).toContain(`${batch}a`);
        expect(present).toContain(`${batch}b`);
      }
      expect(present).toHaveLength(2 * last);
      // Batches were committed while the export ran and are (rightly) not in it.
      expect(committedByEnd).toBeGreaterThan(last);
      // The file is exactly what one query returns over the rows it saw.
      await fixture.db.pool.query(`DELETE FROM dataset.balance_transactions WHERE id LIKE 'txn_batch_%' AND split_part(id, '_', 3)::int > $1`, [last]);
      const single = await download(csv, false);
      expect(Buffer.compare(sharded.bytes, single.bytes)).toBe(0);
    } finally {
      stop = true;
      await inserter;
    }
  });
});
