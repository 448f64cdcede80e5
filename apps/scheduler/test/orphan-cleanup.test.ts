import { Readable } from 'node:stream';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import type { ReportRun } from '@reportrun/db';
import {
  createReportRun,
  markRunFailed,
  startAttempt,
  succeedAttempt,
  type AttemptLease,
} from '@reportrun/status';
import {
  createStorageFromConfig,
  listObjectKeys,
  runResultKey,
  uploadStream,
  type Storage,
} from '@reportrun/storage';
import {
  pendingMultipartUploads,
  useTestFixture,
  waitFor,
} from '@reportrun/testing';
import { cleanUpOrphans, startScheduler, type OrphanCleanupSettings } from '../src/index.ts';
import { itemizedReport, startAttempts, wholeLedgerNormalized } from './service-stack.ts';

// No worker runs here: each test leaves the bucket and the database as a crash, a lost race or
// a storage outage would, then runs the cleanup and reads what is left.

const fixture = useTestFixture({ database, team: 'Orphan cleanup team' });
let storage: Storage;

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(async () => {
  storage?.s3.destroy();
});

const logger = createLogger('orphan-cleanup-test', 'silent');
const immediately: OrphanCleanupSettings = { graceSeconds: 0 };
const cleanUp = (settings: OrphanCleanupSettings = immediately) =>
  cleanUpOrphans({ prisma: fixture.db.prisma, storage, logger }, settings);

async function newRun(): Promise<ReportRun> {
  return createReportRun(fixture.db.prisma, {
    teamId: fixture.teamId,
    livemode: false,
    reportId: itemizedReport,
    reportName: 'Balance change from activity, itemized',
    reportParameters: wholeLedgerNormalized,
    resultOptions: { compress_file: false },
    timeoutSeconds: 600,
    createdBy: 'key_orphan_test',
  });
}

/** The live lease of each run started below, so the test can finish the run as its attempt. */
const leases = new Map<string, AttemptLease>();

/** A run that `attempts` workers have started, each earlier one dead; the last one holds it. */
async function startedRun(attempts: number): Promise<ReportRun> {
  const run = await newRun();
  leases.set(run.id, await startAttempts(fixture.db, run.id, attempts));
  return fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: run.id } });
}

const keyOf = (run: { id: string }, attempt: number) => runResultKey(fixture.teamId, run.id, attempt, 'report.csv');

async function putObject(key: string): Promise<void> {
  await uploadStream(storage, { key, body: Readable.from(['id,amount\n1,2\n']), contentType: 'text/csv' });
}

/** Starts a multipart upload and sends its first part, as a worker does before it dies. */
async function startUpload(key: string): Promise<string> {
  const { UploadId } = await storage.s3.send(
    new CreateMultipartUploadCommand({ Bucket: storage.bucket, Key: key, ContentType: 'text/csv' }),
  );
  await storage.s3.send(
    new UploadPartCommand({ Bucket: storage.bucket, Key: key, UploadId, PartNumber: 1, Body: 'id,amount\n' }),
  );
  return UploadId!;
}

const succeed = (run: ReportRun, objectKey: string) =>
  succeedAttempt(fixture.db.prisma, leases.get(run.id)!, { contentType: 'csv', objectKey, size: 14, rows: 1 });
const fail = (run: ReportRun) =>
  markRunFailed(fixture.db.prisma, run.id, { code: 'query_failed', message: 'simulated', retryable: false });

const objectKeys = async () => (await listObjectKeys(storage, 'teams/')).sort();
const uploadKeys = async () => (await pendingMultipartUploads(fixture.environment.config, 'teams/')).sort();

describe('orphaned objects', () => {
  it('deletes objects no run points to and keeps every result a run points to or may still point to', async () => {
    // Succeeded on its second attempt; the first attempt's file was written, then lost the race.
    const succeeded = await startedRun(2);
    await Promise.all([putObject(keyOf(succeeded, 1)), putObject(keyOf(succeeded, 2))]);
    expect(await succeed(succeeded, keyOf(succeeded, 2))).not.toBeNull();
    // Uploaded its file, then failed before it could record it (e.g. the database went away).
    const failed = await startedRun(1);
    await putObject(keyOf(failed, 1));
    expect(await fail(failed)).not.toBeNull();
    // A file whose run is gone.
    const ghost = { id: 'reprun_doesnotexist0000000000' };
    await putObject(keyOf(ghost, 1));
    // Between "upload done" and "run succeeded": the attempt is alive and about to point at it.
    const running = await startedRun(1);
    await putObject(keyOf(running, 1));
    // Not laid out as a run's result: not the cleanup's business.
    await putObject(`teams/${fixture.teamId}/notes.txt`);

    const summary = await cleanUp();
    expect(summary).toMatchObject({
      objectsDeleted: 3,
      failed: 0,
      reasons: { run_ended: 2, run_missing: 1 },
    });
    expect(await objectKeys()).toEqual(
      [keyOf(succeeded, 2), keyOf(running, 1), `teams/${fixture.teamId}/notes.txt`].sort(),
    );
    // A second pass finds nothing more to do.
    expect(await cleanUp()).toMatchObject({ objectsDeleted: 0, uploadsAborted: 0, failed: 0 });
  });

  it('never touches anything younger than the grace, even with no run behind it', async () => {
    const ghost = { id: 'reprun_younggrace000000000000' };
    await putObject(keyOf(ghost, 1));
    await startUpload(keyOf(ghost, 2));

    expect(await cleanUp({ graceSeconds: 3600 })).toMatchObject({ objectsDeleted: 0, uploadsAborted: 0 });
    expect(await objectKeys()).toContain(keyOf(ghost, 1));
    expect(await uploadKeys()).toContain(keyOf(ghost, 2));

    expect(await cleanUp()).toMatchObject({ objectsDeleted: 1, uploadsAborted: 1 });
    expect(await objectKeys()).not.toContain(keyOf(ghost, 1));
    expect(await uploadKeys()).not.toContain(keyOf(ghost, 2));
  });

  it('deletes more orphans than one listing page holds', async () => {
    const ghost = { id: 'reprun_manyorphans00000000000' };
    const keys = Array.from({ length: 12 }, (_, index) =>
      runResultKey(fixture.teamId, ghost.id, 1, `part-${String(index).padStart(2, '0')}.csv`),
    );
    await Promise.all(keys.map(putObject));

    const summary = await cleanUpOrphans(
      { prisma: fixture.db.prisma, storage, logger },
      { graceSeconds: 0, batchSize: 5 },
    );
    expect(summary.objectsDeleted).toBe(12);
    expect((await objectKeys()).filter((key) => key.includes(ghost.id))).toEqual([]);
  });
});

describe('orphaned multipart uploads', () => {
  it('aborts uploads of attempts that are over and leaves the live attempt’s upload able to finish', async () => {
    // A worker died mid-upload; the run was re-enqueued and a second attempt is uploading now.
    const retried = await startedRun(2);
    await startUpload(keyOf(retried, 1));
    const liveUploadId = await startUpload(keyOf(retried, 2));
    // A worker died mid-upload and the run was then failed (e.g. as lost) or canceled.
    const failed = await startedRun(1);
    await startUpload(keyOf(failed, 1));
    expect(await fail(failed)).not.toBeNull();
    // A run deleted while its upload was open.
    const ghost = { id: 'reprun_deadupload00000000000' };
    await startUpload(keyOf(ghost, 1));

    const summary = await cleanUp();
    expect(summary).toMatchObject({
      uploadsAborted: 3,
      failed: 0,
      reasons: { attempt_superseded: 1, run_ended: 1, run_missing: 1 },
    });
    expect(await uploadKeys()).toEqual([keyOf(retried, 2)]);

    // The live attempt's upload was not disturbed: it completes and becomes the run's result.
    const { ETag } = await storage.s3.send(
      new UploadPartCommand({
        Bucket: storage.bucket,
        Key: keyOf(retried, 2),
        UploadId: liveUploadId,
        PartNumber: 1,
        Body: 'id,amount\n1,2\n',
      }),
    );
    await storage.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: storage.bucket,
        Key: keyOf(retried, 2),
        UploadId: liveUploadId,
        MultipartUpload: { Parts: [{ ETag, PartNumber: 1 }] },
      }),
    );
    expect(await succeed(retried, keyOf(retried, 2))).not.toBeNull();
    await cleanUp();
    expect(await objectKeys()).toContain(keyOf(retried, 2));
    expect(await uploadKeys()).toEqual([]);
  });
});

describe('orphaned uploads of leased attempts', () => {
  it('aborts the upload of an attempt whose worker stopped renewing its lease, not while the lease holds', async () => {
    const run = await newRun();
    const start = await startAttempt(fixture.db.prisma, run.id, {
      owner: 'host:1:dead',
      leaseSeconds: 600,
      maxCrashes: 3,
    });
    expect(start.outcome).toBe('started');
    await startUpload(keyOf(run, 1));

    // Held: a live attempt's upload stays, however old.
    expect(await cleanUp()).toMatchObject({ uploadsAborted: 0 });
    expect(await uploadKeys()).toContain(keyOf(run, 1));

    // The worker died: nobody renews the lease, and it lapsed.
    await fixture.db.prisma.reportRun.update({
      where: { id: run.id },
      data: { leaseExpiresAt: new Date(Date.now() - 60_000) },
    });
    expect(await cleanUp()).toMatchObject({ uploadsAborted: 1, reasons: { lease_expired: 1 } });
    expect(await uploadKeys()).not.toContain(keyOf(run, 1));
  });
});

describe('the scheduler', () => {
  it('cleans up orphans on its own and sweeps expired idempotency keys, keeping fresh ones', async () => {
    const failed = await startedRun(1);
    await startUpload(keyOf(failed, 1));
    await putObject(keyOf(failed, 1));
    expect(await fail(failed)).not.toBeNull();
    const succeeded = await startedRun(1);
    await putObject(keyOf(succeeded, 1));
    expect(await succeed(succeeded, keyOf(succeeded, 1))).not.toBeNull();

    const request = { requestMethod: 'POST', requestPath: '/v2/reporting/report_runs', requestHash: 'h' };
    await fixture.db.prisma.idempotencyKey.createMany({
      data: [
        {
          teamId: fixture.teamId,
          livemode: false,
          key: 'expired',
          ...request,
          createdAt: new Date(Date.now() - 25 * 3600_000),
        },
        { teamId: fixture.teamId, livemode: false, key: 'fresh', ...request },
      ],
    });

    const scheduler = await startScheduler(
      {
        ...fixture.environment.config,
        ORPHAN_CLEANUP_INTERVAL_SECONDS: 0.2,
        ORPHAN_GRACE_SECONDS: 0,
        IDEMPOTENCY_SWEEP_INTERVAL_SECONDS: 0.2,
      },
      logger,
    );
    try {
      await waitFor(uploadKeys, (keys) => !keys.includes(keyOf(failed, 1)), { timeoutMs: 15_000 });
      await waitFor(objectKeys, (keys) => !keys.includes(keyOf(failed, 1)), { timeoutMs: 15_000 });
      const keys = await waitFor(
        () => fixture.db.prisma.idempotencyKey.findMany({ where: { teamId: fixture.teamId }, select: { key: true } }),
        (rows) => !rows.some((row) => row.key === 'expired'),
        { timeoutMs: 15_000 },
      );
      expect(keys).toEqual([{ key: 'fresh' }]);
      expect(await objectKeys()).toContain(keyOf(succeeded, 1));
    } finally {
      await scheduler.close();
    }
  });
});
