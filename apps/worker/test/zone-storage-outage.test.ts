import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { createStorage, listObjectKeys, runResultPrefix, type Storage } from '@reportrun/storage';
import {
  lockLedger,
  metricsUrlOf,
  metricValue,
  pendingMultipartUploadsIn,
  scrapeMetrics,
  startLocalS3,
  startScheduler,
  useTestFixture,
  waitFor,
  type LocalS3,
  type ServiceProcess,
} from '@reportrun/testing';

/**
 * A team's storage zone whose S3 server goes down in the middle of an export: the same promise
 * as the service's own bucket (a storage outage is a passing fault, retried with backoff, and
 * `storage_unavailable` once the attempts are spent), kept on a second S3 server that the test
 * stops and starts like an outage from outside. The server keeps its data directory, so what the dead attempt left there (an open
 * multipart upload) is still there when it returns, for the scheduler's orphan cleanup to find.
 */

// Large enough that a CSV or JSON Lines file is several 8 MiB parts, so the server dies while
// a multipart upload is open; the ZIP (about a fifth of the CSV) dies while it streams.
const ledgerRows = 200_000;

const zoneCredentials = { accessKeyId: 'zone-outage-key', secretAccessKey: 'zone-outage-secret-0123456789' };
const zoneBucket = 'reports-outage';
const zoneEnvironment = {
  S3_ZONE_OUTAGE_ACCESS_KEY_ID: zoneCredentials.accessKeyId,
  S3_ZONE_OUTAGE_SECRET_ACCESS_KEY: zoneCredentials.secretAccessKey,
};
const fastRecovery = {
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_STATUS_CHECK_MS: '500',
  WORKER_LEASE_SECONDS: '3',
};

const fixture = useTestFixture({
  database,
  team: 'Zone outage team',
  seed: async (db) => {
    await database.seedLedger(db.pool, ledgerRows);
  },
  // The API signs download links for the zone, so it holds the zone's credentials too.
  api: zoneEnvironment,
  worker: { ...zoneEnvironment, ...fastRecovery },
});

let zoneDirectory: string;
let zoneServer: LocalS3 | undefined;
let zonePort: number;
let zoneStorage: Storage;
let scheduler: ServiceProcess;

async function startZoneServer(port = 0): Promise<LocalS3> {
  return startLocalS3({ port, directory: zoneDirectory, buckets: [zoneBucket], ...zoneCredentials });
}

beforeAll(async () => {
  zoneDirectory = await mkdtemp(join(tmpdir(), 'reportrun-zone-outage-'));
  zoneServer = await startZoneServer();
  zonePort = Number(new URL(zoneServer.endpoint).port);
  zoneStorage = createStorage({ endpoint: zoneServer.endpoint, region: 'eu-central-1', bucket: zoneBucket, ...zoneCredentials });
  await database.setTeamStorageZone(fixture.db.prisma, fixture.teamId, {
    name: 'Outage',
    endpoint: zoneServer.endpoint,
    bucket: zoneBucket,
    region: 'eu-central-1',
    credentialsRef: 'OUTAGE',
  });
  // Orphan cleanup visits every zone: it aborts what a dead attempt left in one.
  scheduler = await startScheduler({
    ...fixture.environment.env,
    ...zoneEnvironment,
    ORPHAN_CLEANUP_INTERVAL_SECONDS: '1',
    ORPHAN_GRACE_SECONDS: '1',
    RETENTION_SWEEP_INTERVAL_SECONDS: '3600',
  });
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  zoneStorage?.s3.destroy();
  await zoneServer?.stop();
  await rm(zoneDirectory, { recursive: true, force: true });
});

const formats = [
  { name: 'CSV', resultOptions: { format: 'csv' }, contentType: 'csv', multipart: true },
  { name: 'JSON Lines', resultOptions: { format: 'json' }, contentType: 'json', multipart: true },
  { name: 'ZIP', resultOptions: { format: 'csv', compress_file: true }, contentType: 'zip', multipart: false },
] as const;

async function copyBackends(): Promise<number> {
  const { rowCount } = await fixture.db.pool.query(
    `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`,
  );
  return rowCount ?? 0;
}

/** Failed attempts the worker counted by code, retried ones only (`final="false"`). */
async function retriedFailures(): Promise<Record<string, number>> {
  const samples = await scrapeMetrics(await metricsUrlOf(fixture.worker));
  const codes = ['connection_lost', 'storage_unavailable', 'internal_error'];
  return Object.fromEntries(codes.map((code) => [code, metricValue(samples, 'reportrun_run_failures_total', { code, final: 'false' })]));
}

const stageOf = async (id: string) =>
  ((await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id }, select: { statusDetails: true } })).statusDetails as { stage?: string })
    .stage;

/**
 * Starts a run of the format and stops the zone's server while its file is on the way there:
 * with a multipart upload open (CSV, JSON Lines), or while the ZIP streams.
 */
async function runIntoOutage(format: (typeof formats)[number]): Promise<{ id: string; prefix: string }> {
  // The COPY waits on the ledger lock until the run is seen exporting, then rows flow.
  const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
  let id: string;
  try {
    id = (
      await fixture.client.createRun({
        report: 'balance_change_from_activity.itemized.1',
        report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' },
        result_options: format.resultOptions,
      })
    ).id;
    await waitFor(copyBackends, (running) => running === 1, { intervalMs: 20 });
  } finally {
    await lock.release();
  }
  const prefix = runResultPrefix(fixture.teamId, id);
  if (format.multipart) {
    // Proves the outage lands mid-upload: a multipart upload for this run is open right now.
    await waitFor(() => pendingMultipartUploadsIn(zoneStorage, prefix), (keys) => keys.length === 1, { intervalMs: 20, timeoutMs: 60_000 });
  } else {
    await waitFor(() => stageOf(id), (stage) => stage === 'uploading', { intervalMs: 10, timeoutMs: 60_000 });
  }
  await zoneServer!.stop();
  zoneServer = undefined;
  return { id, prefix };
}

/** What the run's attempts left in the zone once orphan cleanup has been by: the result, or nothing. */
async function zoneHoldsOnly(prefix: string, result: string | null): Promise<void> {
  await waitFor(
    async () => ({ objects: await listObjectKeys(zoneStorage, prefix), uploads: await pendingMultipartUploadsIn(zoneStorage, prefix) }),
    ({ objects, uploads }) => objects.length === (result ? 1 : 0) && uploads.length === 0,
    { timeoutMs: 30_000 },
  );
  expect(await listObjectKeys(zoneStorage, prefix)).toEqual(result ? [result] : []);
}

function expectWorkerAlive(): void {
  expect(fixture.worker.child.exitCode, fixture.worker.output().slice(-4000)).toBeNull();
  expect(fixture.worker.child.signalCode).toBeNull();
}

describe("a storage zone's S3 server going down mid-export", () => {
  for (const format of formats) {
    it(`${format.name}: the run is retried and succeeds once the zone is back, and nothing else is left in the zone`, async () => {
      const failuresBefore = await retriedFailures();
      const { id, prefix } = await runIntoOutage(format);
      // Down until the first attempt has failed on it and the run waits for its retry.
      const waiting = await waitFor(
        () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } }),
        (run) => run.status !== 'running' || run.attempts >= 2 || (run.statusDetails as { stage?: string }).stage === 'queued',
        { intervalMs: 20, timeoutMs: 90_000 },
      );
      expect(waiting.status, JSON.stringify(waiting.statusDetails)).toBe('running');
      expectWorkerAlive();
      zoneServer = await startZoneServer(zonePort);
      // Every failed attempt is counted as the storage fault it is, not as a lost database
      // connection or an unexpected error.
      const failures = await retriedFailures();
      expect(failures.storage_unavailable).toBeGreaterThan(failuresBefore.storage_unavailable!);
      expect(failures.connection_lost).toBe(failuresBefore.connection_lost);
      expect(failures.internal_error).toBe(failuresBefore.internal_error);

      const run = await fixture.client.waitUntilEnded(id, { timeoutMs: 120_000 });
      expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
      expect(run.attempts).toBeGreaterThanOrEqual(2);
      expect(run.result!.file!.rows).toBe(ledgerRows);
      expect(run.result!.file!.content_type).toBe(format.contentType);
      // The dead attempt's open upload (or partial object) is gone: only the result remains.
      const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id } });
      await zoneHoldsOnly(prefix, stored.fileObjectKey);
      const download = await fetch(run.result!.file!.download_url!.url);
      expect(download.status).toBe(200);
      expect(Number(download.headers.get('content-length'))).toBe(run.result!.file!.size);
    });
  }

  for (const format of formats) {
    it(`${format.name}: a zone that stays down fails the run as storage_unavailable once its attempts are spent, and leaves nothing`, async () => {
      const { id, prefix } = await runIntoOutage(format);
      // Five attempts with backoff (1, 2, 4, 8 s, with jitter) before the run gives up.
      const run = await fixture.client.waitUntilEnded(id, { timeoutMs: 120_000 });
      expect(run.status, JSON.stringify(run.status_details)).toBe('failed');
      expect(run.status_details).toMatchObject({ code: 'storage_unavailable', retryable: true });
      expect(run.attempts).toBe(5);
      expect(run.result).toBeNull();
      expectWorkerAlive();
      zoneServer = await startZoneServer(zonePort);
      await zoneHoldsOnly(prefix, null);
    });
  }

  it('the same worker process takes the next run and writes it to the zone', async () => {
    const run = await fixture.client.createRun({
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2025-01-08T00:00:00Z' },
    });
    const ended = await fixture.client.waitUntilEnded(run.id, { timeoutMs: 60_000 });
    expect(ended.status, JSON.stringify(ended.status_details)).toBe('succeeded');
    expect(ended.attempts).toBe(1);
    expect(await listObjectKeys(zoneStorage, runResultPrefix(fixture.teamId, run.id))).toHaveLength(1);
    expectWorkerAlive();
    expect(fixture.worker.output()).not.toMatch(/uncaught|unhandled/i);
  });
});
