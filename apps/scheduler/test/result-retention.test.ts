import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createDatabase, createTeam, seedLedger, type Database } from '@reportrun/db';
import { createStorageFromConfig, presignDownload, type Storage } from '@reportrun/storage';
import {
  createTestEnvironment,
  spawnService,
  waitFor,
  type ServiceProcess,
  type TestEnvironment,
} from '@reportrun/testing';
import { apiClient, ended, serviceDirectory, type ApiClient } from './service-stack.ts';

let environment: TestEnvironment;
let db: Database;
let storage: Storage;
let client: ApiClient;
const services: ServiceProcess[] = [];

// Results live three seconds; the sweep looks every half second.
const retentionSeconds = 3;
const retentionEnv = {
  RESULT_RETENTION_SECONDS: String(retentionSeconds),
  RETENTION_SWEEP_INTERVAL_SECONDS: '0.5',
};

beforeAll(async () => {
  environment = await createTestEnvironment();
  db = createDatabase(environment.config.DATABASE_URL);
  storage = createStorageFromConfig(environment.config);
  await seedLedger(db.pool, 2_000);
  const teamId = (await createTeam(db.prisma, 'Retention team')).id;
  const apiKey = (await createApiKey(db.prisma, { teamId, livemode: false, name: 'retention' })).secret;

  const start = (directory: string, env: Record<string, string> = {}) => {
    const service = spawnService('src/main.ts', {
      cwd: directory,
      env: { ...environment.env, ...retentionEnv, ...env },
    });
    services.push(service);
    return service;
  };
  const api = start(serviceDirectory.api, { PORT: '0' });
  const worker = start(serviceDirectory.worker, { LOG_LEVEL: 'info' });
  const scheduler = start(serviceDirectory.scheduler, { LOG_LEVEL: 'info' });
  const [apiUrl] = await Promise.all([
    api.waitForOutput(/REPORTRUN_API_URL=(\S+)/).then((match) => match[1]!),
    worker.waitForOutput(/worker ready/),
    scheduler.waitForOutput(/scheduler ready/),
  ]);
  client = apiClient(apiUrl, apiKey);
});

afterAll(async () => {
  await Promise.all(services.map((service) => service.stop()));
  storage?.s3.destroy();
  await db?.close();
  await environment?.cleanup();
});

/** What the bucket answers for a key, asked with a freshly signed GET. */
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
    const stored = await db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
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
      () => db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } }),
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
    const [unstamped] = await db.prisma.reportRun.updateManyAndReturn({
      where: { id: created.id, status: 'succeeded' },
      data: { fileExpiresAt: null },
    });
    const objectKey = unstamped!.fileObjectKey!;

    const swept = await waitFor(
      () => db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } }),
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
});
