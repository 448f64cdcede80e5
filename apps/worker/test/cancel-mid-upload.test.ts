import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApiKey, createDatabase, createTeam, seedLedger, type Database } from '@reportrun/db';
import { createStorageFromConfig, listObjectKeys, runResultPrefix } from '@reportrun/storage';
import {
  createTestEnvironment,
  pendingMultipartUploads,
  startApi,
  startWorker,
  waitFor,
  type ServiceProcess,
  type TestEnvironment,
} from '@reportrun/testing';


let environment: TestEnvironment;
let db: Database;
let api: ServiceProcess;
let worker: ServiceProcess;
let apiUrl: string;
let apiKey: string;
let teamId: string;

beforeAll(async () => {
  environment = await createTestEnvironment();
  db = createDatabase(environment.config.DATABASE_URL);
  // Large enough (about 35 MB of CSV) that the upload is several 8 MiB parts in flight.
  await seedLedger(db.pool, 300_000);
  teamId = (await createTeam(db.prisma, 'Mid-upload team')).id;
  apiKey = (await createApiKey(db.prisma, { teamId, livemode: false, name: 'k' })).secret;
  [{ service: api, url: apiUrl }, worker] = await Promise.all([startApi(environment.env), startWorker(environment.env)]);
});

afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await db?.close();
  await environment?.cleanup();
});

it('a run canceled while its multipart upload is in flight leaves no object and no pending upload', async () => {
  const headers = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
  const created = await fetch(`${apiUrl}/v2/reporting/report_runs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { interval_start: '2025-01-01T00:00:00Z', interval_end: '2026-01-01T00:00:00Z' },
    }),
  });
  const { id } = (await created.json()) as { id: string };
  const prefix = runResultPrefix(teamId, id);

  // Proves the cancel lands mid-upload: a multipart upload for this run exists right now.
  await waitFor(() => pendingMultipartUploads(environment.config, prefix), (keys) => keys.length === 1, {
    intervalMs: 20,
    timeoutMs: 20_000,
  });
  const canceled = await fetch(`${apiUrl}/v2/reporting/report_runs/${id}/cancel`, { method: 'POST', headers });
  expect(canceled.status).toBe(200);

  await waitFor(() => pendingMultipartUploads(environment.config, prefix), (keys) => keys.length === 0, {
    timeoutMs: 10_000,
  });
  await waitFor(
    () => db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`),
    (result) => result.rowCount === 0,
    { timeoutMs: 10_000 },
  );
  await worker.waitForOutput(/report run canceled/);
  const storage = createStorageFromConfig(environment.config);
  try {
    expect(await listObjectKeys(storage, prefix)).toEqual([]);
  } finally {
    storage.s3.destroy();
  }
  const run = (await (await fetch(`${apiUrl}/v2/reporting/report_runs/${id}`, { headers })).json()) as { status: string };
  expect(run.status).toBe('canceled');
});
