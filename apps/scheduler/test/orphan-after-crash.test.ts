import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger } from '@reportrun/config';
import * as database from '@reportrun/db';
import { seedLedger } from '@reportrun/db';
import {
  createStorageFromConfig,
  listObjectKeys,
  parseRunResultKey,
  presignDownload,
  runResultPrefix,
  type Storage,
} from '@reportrun/storage';
import { pendingMultipartUploads, startWorker, useTestFixture, waitFor, type ServiceProcess } from '@reportrun/testing';
import { startScheduler, type RunningScheduler } from '../src/index.ts';
import { ended } from './service-stack.ts';

// Short locks and leases so a killed worker's run is handed on in seconds, not the production 30 s.
const fastRecovery = {
  WORKER_LOCK_DURATION_MS: '3000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  WORKER_LEASE_SECONDS: '3',
};

const fixture = useTestFixture({
  database,
  team: 'Crash cleanup team',
  // About 14 MB of CSV: the upload opens after the first 8 MiB part and stays open while the
  // rest streams, which is the window the worker is killed in.
  seed: (db) => seedLedger(db.pool, 120_000),
  api: true,
});
const { client } = fixture;
let storage: Storage;
let scheduler: RunningScheduler | undefined;
const services: ServiceProcess[] = [];

beforeAll(() => {
  storage = createStorageFromConfig(fixture.environment.config);
});

afterAll(async () => {
  await scheduler?.close();
  await Promise.all(services.map((service) => service.stop('SIGKILL')));
  storage?.s3.destroy();
});

it('a worker killed mid-upload leaves nothing behind once the run is retried, and the retry’s result stays', async () => {
  // The cleanup runs all along with no grace: it must never disturb the upload of the attempt
  // that is alive, only the dead one's.
  scheduler = await startScheduler(
    { ...fixture.environment.config, ORPHAN_CLEANUP_INTERVAL_SECONDS: 0.2, ORPHAN_GRACE_SECONDS: 0 },
    createLogger('orphan-crash-test', 'silent'),
  );
  const doomed = await startWorker({ ...fixture.environment.env, ...fastRecovery });
  services.push(doomed);
  const created = await client.createRun();
  const prefix = runResultPrefix(fixture.teamId, created.id);

  const [openKey] = await waitFor(
    () => pendingMultipartUploads(fixture.environment.config, prefix),
    (keys) => keys.length === 1,
    { intervalMs: 20, timeoutMs: 30_000 },
  );
  expect(parseRunResultKey(openKey!)?.attempt).toBe(1);
  // SIGKILL: the worker gets no chance to abort its upload.
  await doomed.stop('SIGKILL');

  services.push(await startWorker({ ...fixture.environment.env, ...fastRecovery }));
  const run = await waitFor(() => client.getRun(created.id), ended, { timeoutMs: 60_000 });
  expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
  expect(run.attempts).toBe(2);

  // The first attempt's upload goes once a newer attempt has started.
  await waitFor(
    () => pendingMultipartUploads(fixture.environment.config, prefix),
    (keys) => keys.length === 0,
    { timeoutMs: 15_000 },
  );
  const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
  expect(parseRunResultKey(stored.fileObjectKey!)?.attempt).toBe(2);
  expect(await listObjectKeys(storage, prefix)).toEqual([stored.fileObjectKey]);
  const download = await fetch((await presignDownload(storage, stored.fileObjectKey!, 60)).url);
  expect(download.status).toBe(200);
  expect(Number(download.headers.get('content-length'))).toBe(Number(stored.fileSize));
  await download.body?.cancel();
});
