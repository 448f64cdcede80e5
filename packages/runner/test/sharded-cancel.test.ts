import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { compileReportSql, getCatalogReport, validateReportParameters, type CompileOptions } from '@reportrun/reports';
import { createStorageFromConfig, listObjectKeys, type Storage } from '@reportrun/storage';
import { lockLedger, pendingMultipartUploads, runningExportStatements, statementsWaitingOnLock, useTestFixture, waitFor } from '@reportrun/testing';
import { exportReport } from '../src/index.ts';

const fixture = useTestFixture({ database, seed: (db) => database.seedLedger(db.pool, 5_000) });
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(() => {
  storage?.s3.destroy();
});

// Sharding on, as a deployment turns it on: two connections, a threshold the ledger is over.
const shards = { shards: 2, minRows: 100 };
const year = { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' };

const formats = [
  ['CSV', { format: 'csv', escapeFormulas: true }, false],
  ['JSON Lines', { format: 'json', escapeFormulas: false }, false],
  ['ZIP', { format: 'csv', escapeFormulas: true }, true],
] as const satisfies readonly (readonly [string, CompileOptions, boolean])[];

function startExport(options: CompileOptions, compress: boolean, signal: AbortSignal) {
  const report = getCatalogReport('balance_change_from_activity.itemized.1');
  const compiled = compileReportSql(report, validateReportParameters(report, year).values, options);
  const objectKey = `shard-cancel-test/${randomBytes(6).toString('hex')}`;
  const exported = exportReport({
    reportingPool: fixture.db.pool,
    storage,
    compiled,
    objectKey,
    filename: 'report',
    compress,
    statementTimeoutMs: 120_000,
    shards,
    signal,
  });
  // Observed by the test's `expect(…).rejects`; never an unhandled rejection meanwhile.
  exported.catch(() => {});
  return { exported, objectKey };
}

const waitingOnLock = (prefix: string) => statementsWaitingOnLock(fixture.db.pool, prefix);

const exportStatements = () => runningExportStatements(fixture.db.pool);

async function expectNothingStored(objectKey: string) {
  expect(await listObjectKeys(storage, objectKey)).toEqual([]);
  expect(await pendingMultipartUploads(fixture.environment.config, objectKey)).toEqual([]);
}

const planning = 'SELECT count(*)::int AS rows';

describe('a sharded export stops at once when aborted while it plans', () => {
  for (const [name, options, compress] of formats) {
    it(`${name}: the planning query is canceled while the table is still locked, and nothing is stored`, async () => {
      const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
      try {
        const controller = new AbortController();
        const { exported, objectKey } = startExport(options, compress, controller.signal);
        await waitFor(() => waitingOnLock(planning), (waiting) => waiting === 1);
        const reason = new Error('canceled while planning');
        controller.abort(reason);
        await expect(exported).rejects.toBe(reason);
        // Gone while the lock is still held: canceled, not finished once the table freed up.
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 10_000 });
        await expectNothingStored(objectKey);
      } finally {
        await lock.release();
      }
    });
  }
});

describe('a sharded export stops at once when aborted while its shards copy', () => {
  for (const [name, options, compress] of formats) {
    it(`${name}: every shard's COPY is canceled, and nothing is stored`, async () => {
      // The later shard is held at its COPY: an exclusive lock requested while the export plans
      // queues behind the export's own share lock, and the later shard's fresh transaction
      // queues behind that request, while the first range (already holding its lock) streams.
      const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
      const queued = new pg.Client({ connectionString: fixture.environment.config.DATABASE_URL });
      await queued.connect();
      let queuedLock: Promise<unknown> | undefined;
      try {
        const controller = new AbortController();
        const { exported, objectKey } = startExport(options, compress, controller.signal);
        await waitFor(() => waitingOnLock(planning), (waiting) => waiting === 1);
        await queued.query('BEGIN');
        queuedLock = queued.query('LOCK TABLE dataset.balance_transactions IN ACCESS EXCLUSIVE MODE');
        queuedLock.catch(() => {});
        await waitFor(() => waitingOnLock('LOCK TABLE'), (waiting) => waiting === 1);
        await lock.release();
        await waitFor(() => waitingOnLock('COPY ('), (waiting) => waiting === 1);
        const reason = new Error('canceled while copying');
        controller.abort(reason);
        await expect(exported).rejects.toBe(reason);
        await waitFor(exportStatements, (running) => running === 0, { timeoutMs: 10_000 });
        await expectNothingStored(objectKey);
      } finally {
        await lock.release();
        await queuedLock?.catch(() => {});
        await queued.query('ROLLBACK').catch(() => {});
        await queued.end();
      }
    });
  }
});
