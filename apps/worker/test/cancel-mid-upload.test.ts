import { expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { createStorageFromConfig, listObjectKeys, runResultPrefix } from '@reportrun/storage';
import { defaultRunBody, pendingMultipartUploads, useTestFixture, waitFor } from '@reportrun/testing';

const fixture = useTestFixture({
  database,
  team: 'Mid-upload team',
  // Large enough (about 35 MB of CSV) that the upload is several 8 MiB parts in flight.
  seed: async (db) => {
    await database.seedLedger(db.pool, 300_000);
  },
  api: true,
  worker: true,
});

it('a run canceled while its multipart upload is in flight leaves no object and no pending upload', async () => {
  const { id } = await fixture.client.createRun(defaultRunBody);
  const prefix = runResultPrefix(fixture.teamId, id);

  // Proves the cancel lands mid-upload: a multipart upload for this run exists right now.
  await waitFor(() => pendingMultipartUploads(fixture.environment.config, prefix), (keys) => keys.length === 1, {
    intervalMs: 20,
    timeoutMs: 20_000,
  });
  const canceled = await fixture.client.call('POST', `/v2/reporting/report_runs/${id}/cancel`);
  expect(canceled.status).toBe(200);

  await waitFor(() => pendingMultipartUploads(fixture.environment.config, prefix), (keys) => keys.length === 0, {
    timeoutMs: 10_000,
  });
  await waitFor(
    () => fixture.db.pool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'COPY (%' AND state <> 'idle'`),
    (result) => result.rowCount === 0,
    { timeoutMs: 10_000 },
  );
  await fixture.worker.waitForOutput(/report run canceled/);
  const storage = createStorageFromConfig(fixture.environment.config);
  try {
    expect(await listObjectKeys(storage, prefix)).toEqual([]);
  } finally {
    storage.s3.destroy();
  }
  const run = await fixture.client.getRun(id);
  expect(run.status).toBe('canceled');
});
