import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { clearTeamStorageZone, seedLedger, setTeamStorageZone } from '@reportrun/db';
import { createStorage, createStorageFromConfig, listObjectKeys, presignDownload, type Storage } from '@reportrun/storage';
import { startLocalS3, startScheduler, useTestFixture, waitFor, type LocalS3, type ServiceProcess } from '@reportrun/testing';
import { ended } from './service-stack.ts';

// Results live three seconds; the sweep looks every half second.
const retentionSeconds = 3;
const retentionEnv = {
  RESULT_RETENTION_SECONDS: String(retentionSeconds),
  RETENTION_SWEEP_INTERVAL_SECONDS: '0.5',
};

// A second S3 server holds one team's storage zone; every process gets its credentials.
const zoneCredentials = { accessKeyId: 'retention-zone-key', secretAccessKey: 'retention-zone-secret' };
const zoneBucket = 'retention-zone';
const zoneEnv = {
  S3_ZONE_RETAIN_ACCESS_KEY_ID: zoneCredentials.accessKeyId,
  S3_ZONE_RETAIN_SECRET_ACCESS_KEY: zoneCredentials.secretAccessKey,
};

const fixture = useTestFixture({
  database,
  team: 'Retention team',
  seed: (db) => seedLedger(db.pool, 2_000),
  api: { ...retentionEnv, ...zoneEnv },
  worker: { ...retentionEnv, ...zoneEnv },
});
const { client } = fixture;
let storage: Storage;
let scheduler: ServiceProcess;
let zoneServer: LocalS3;

beforeAll(async () => {
  storage = createStorageFromConfig(fixture.environment.config);
  zoneServer = await startLocalS3({ buckets: [zoneBucket], ...zoneCredentials });
  scheduler = await startScheduler({ ...fixture.environment.env, ...retentionEnv, ...zoneEnv });
});

afterAll(async () => {
  await scheduler?.stop();
  storage?.s3.destroy();
  await zoneServer?.stop();
});

async function storageStatus(objectKey: string): Promise<number> {
  const response = await fetch((await presignDownload(storage, objectKey, 60)).url);
  await response.arrayBuffer();
  return response.status;
}

describe('result retention', () => {
  it('deletes the file once the retention has passed, and the run then reads as expired', async () => {
    const created = await client.createRun();
    const succeeded = await waitFor(() => client.getRun(created.id), ended);
    expect(succeeded.status, JSON.stringify(succeeded.status_details)).toBe('succeeded');
    const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
    const objectKey = stored.fileObjectKey!;
    // The worker stamps the expiry when the run succeeds, and no link outlives the file.
    expect(stored.fileExpiresAt!.getTime()).toBe(stored.succeededAt!.getTime() + retentionSeconds * 1000);
    const link = succeeded.result!.file!.download_url;
    expect(new Date(link.expires_at!).getTime()).toBeLessThanOrEqual(stored.fileExpiresAt!.getTime() + 1000);
    expect(await storageStatus(objectKey)).toBe(200);

    const expired = await waitFor(
      () => client.getRun(created.id),
      (run) => run.result === null,
      {
        timeoutMs: 15_000,
      },
    );
    expect(expired).toMatchObject({
      status: 'succeeded',
      result: null,
      status_details: { result_expired_at: stored.fileExpiresAt!.toISOString() },
    });
    expect(Date.now()).toBeGreaterThanOrEqual(stored.fileExpiresAt!.getTime());

    const swept = await waitFor(
      () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } }),
      (run) => run.fileObjectKey === null,
      { timeoutMs: 10_000 },
    );
    expect(swept.fileExpiresAt).toEqual(stored.fileExpiresAt);
    expect(await storageStatus(objectKey)).toBe(404);
    // The link handed out before the expiry is dead too (its signature lapsed with the result).
    const oldLink = await fetch(link.url);
    await oldLink.arrayBuffer();
    expect([403, 404]).toContain(oldLink.status);
    // Reading the run again changes nothing: expired is final.
    expect(await client.getRun(created.id)).toMatchObject({ status: 'succeeded', result: null });
  });

  it('a result finished without an expiry stamp expires RESULT_RETENTION_SECONDS after the run succeeded', async () => {
    const created = await client.createRun();
    await waitFor(() => client.getRun(created.id), ended);
    // As left by a worker that predates expiry stamps.
    const [unstamped] = await fixture.db.prisma.reportRun.updateManyAndReturn({
      where: { id: created.id, status: 'succeeded' },
      data: { fileExpiresAt: null },
    });
    const objectKey = unstamped!.fileObjectKey!;

    const swept = await waitFor(
      () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } }),
      (run) => run.fileObjectKey === null,
      { timeoutMs: 15_000 },
    );
    expect(swept.fileExpiresAt!.getTime()).toBe(unstamped!.succeededAt!.getTime() + retentionSeconds * 1000);
    expect(await storageStatus(objectKey)).toBe(404);
    const run = await client.getRun(created.id);
    expect(run).toMatchObject({
      status: 'succeeded',
      result: null,
      status_details: { result_expired_at: swept.fileExpiresAt!.toISOString() },
    });
  });

  it("deletes an expired result from the storage zone its run was written to", async () => {
    await setTeamStorageZone(fixture.db.prisma, fixture.teamId, {
      name: 'Retention zone',
      endpoint: zoneServer.endpoint,
      bucket: zoneBucket,
      region: 'us-east-1',
      credentialsRef: 'RETAIN',
    });
    const zoneStorage = createStorage({ endpoint: zoneServer.endpoint, region: 'us-east-1', bucket: zoneBucket, ...zoneCredentials });
    try {
      const created = await client.createRun();
      const succeeded = await waitFor(() => client.getRun(created.id), ended);
      expect(succeeded.status, JSON.stringify(succeeded.status_details)).toBe('succeeded');
      const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
      expect(stored.storageZoneId).not.toBeNull();
      expect(await listObjectKeys(zoneStorage, '')).toContain(stored.fileObjectKey);

      await waitFor(
        () => fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } }),
        (run) => run.fileObjectKey === null,
        { timeoutMs: 15_000 },
      );
      expect(await listObjectKeys(zoneStorage, '')).not.toContain(stored.fileObjectKey);
    } finally {
      zoneStorage.s3.destroy();
      await clearTeamStorageZone(fixture.db.prisma, fixture.teamId);
    }
  });
});
