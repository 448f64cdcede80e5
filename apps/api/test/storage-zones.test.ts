import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as database from '@reportrun/db';
import { createStorage, listObjectKeys, type Storage } from '@reportrun/storage';
import { runSourceCommand, startLocalS3, useTestFixture, waitFor, type CommandResult, type LocalS3 } from '@reportrun/testing';
import { inProcessApi } from './api-fixtures.ts';
import { expectedItemizedCsv } from './ledger-csv.ts';

/**
 * A team with its own storage zone, on a second S3 server beside the fixture's: results are
 * written there, download links point there, Airplane's zoneID names it, and moving the team
 * back leaves earlier files reachable where they were written.
 */

const zoneCredentials = { accessKeyId: 'zone-eu-key', secretAccessKey: 'zone-eu-secret-0123456789' };
const zoneBucket = 'reports-eu';
const zoneEnvironment = {
  S3_ZONE_EU_ACCESS_KEY_ID: zoneCredentials.accessKeyId,
  S3_ZONE_EU_SECRET_ACCESS_KEY: zoneCredentials.secretAccessKey,
};
// The API runs in this process and reads zone credentials from its environment, as a deployed
// API reads them from its own.
Object.assign(process.env, zoneEnvironment);

const fixture = useTestFixture({
  database,
  team: 'Zoned team',
  otherTeam: true,
  seed: async (db) => {
    await database.seedLedger(db.pool, 2_000);
  },
  api: inProcessApi,
  worker: zoneEnvironment,
});

let zoneServer: LocalS3;
let zoneStorage: Storage;

beforeAll(async () => {
  zoneServer = await startLocalS3({ buckets: [zoneBucket], ...zoneCredentials });
  zoneStorage = createStorage({ endpoint: zoneServer.endpoint, region: 'eu-central-1', bucket: zoneBucket, ...zoneCredentials });
});

afterAll(async () => {
  zoneStorage?.s3.destroy();
  await zoneServer?.stop();
  delete process.env.S3_ZONE_EU_ACCESS_KEY_ID;
  delete process.env.S3_ZONE_EU_SECRET_ACCESS_KEY;
});

const dbDir = fileURLToPath(new URL('../../../packages/db', import.meta.url));

/** The operator's command line, run as its own process against this file's database. */
function zonesCli(...args: string[]): Promise<CommandResult> {
  return runSourceCommand('src/bin/storage-zones.ts', args, { cwd: dbDir, env: fixture.environment.env });
}

async function zoneKeys(): Promise<string[]> {
  return listObjectKeys(zoneStorage, '');
}

const march = { interval_start: '2025-03-01T00:00:00.000Z', interval_end: '2025-04-01T00:00:00.000Z' };
const itemized = 'balance_change_from_activity.itemized.1';

/** The three kinds of result file: each is written, signed and deleted through the zone alike. */
const resultKinds = [
  { name: 'CSV', options: { format: 'csv', compress_file: false }, contentType: 'csv' },
  { name: 'JSON Lines', options: { format: 'json', compress_file: false }, contentType: 'json' },
  { name: 'ZIP', options: { format: 'csv', compress_file: true }, contentType: 'zip' },
] as const;

async function runToEnd(
  resultOptions: Record<string, unknown> = resultKinds[0].options,
): Promise<{ id: string; status: string; url: string | undefined; objectKey: string | null; contentType: string | undefined }> {
  const created = await fixture.client.createRun({ report: itemized, report_parameters: march, result_options: resultOptions });
  const ended = await fixture.client.waitUntilEnded(created.id);
  const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
  return {
    id: created.id,
    status: ended.status,
    url: ended.result?.file?.download_url?.url,
    objectKey: stored.fileObjectKey,
    contentType: ended.result?.file?.content_type,
  };
}

describe('storage zones', () => {
  let zoneId: string;
  let zonedRun: { id: string; url: string | undefined; objectKey: string | null };

  it('refuses a zone with a malformed credentials reference or endpoint (exit 64), and an unknown team (66)', async () => {
    const base = ['set', '--team', fixture.teamId, '--name', 'EU', '--bucket', zoneBucket, '--region', 'eu-central-1'];
    const badRef = await zonesCli(...base, '--endpoint', zoneServer.endpoint, '--credentials-ref', 'eu-lower');
    expect(badRef.code).toBe(64);
    expect(badRef.stderr).toContain('--credentials-ref');
    const badEndpoint = await zonesCli(...base, '--endpoint', 'ftp://example.com', '--credentials-ref', 'EU');
    expect(badEndpoint.code).toBe(64);
    const unknownTeam = await zonesCli('show', '--team', 'team_doesnotexist');
    expect(unknownTeam.code).toBe(66);
    expect(await fixture.db.prisma.storageZone.count()).toBe(0);
  });

  it("writes a zoned team's result to its zone, signs the link for it, and names it as zoneID", async () => {
    const set = await zonesCli(
      'set', '--team', fixture.teamId, '--name', 'EU', '--endpoint', zoneServer.endpoint,
      '--bucket', zoneBucket, '--region', 'eu-central-1', '--credentials-ref', 'EU',
    );
    expect(set.code, set.stderr).toBe(0);
    zoneId = /Zone (zone_[0-9a-z]{26})/.exec(set.stdout)![1]!;
    expect((await zonesCli('show', '--team', fixture.teamId)).stdout).toContain(zoneId);

    const run = await runToEnd();
    expect(run.status).toBe('succeeded');
    zonedRun = run;
    expect(await zoneKeys()).toContain(run.objectKey);
    expect(new URL(run.url!).origin).toBe(new URL(zoneServer.endpoint).origin);
    const download = await fetch(run.url!);
    expect(download.status).toBe(200);
    const expected = await expectedItemizedCsv(fixture.db.pool, march.interval_start, march.interval_end);
    expect(expected.rows).toBeGreaterThan(0);
    expect(await download.text()).toBe(expected.csv);

    const airplane = await fetch(`${fixture.api.url}/v0/runs/get?id=${run.id}`, {
      headers: { 'x-airplane-api-key': fixture.apiKey },
    });
    expect(((await airplane.json()) as { zoneID: string | null }).zoneID).toBe(zoneId);
  });

  it.each(resultKinds.slice(1))("writes a zoned team's $name result to its zone and signs the link for it", async ({ options, contentType }) => {
    const run = await runToEnd(options);
    expect(run.status).toBe('succeeded');
    expect(run.contentType).toBe(contentType);
    expect(await zoneKeys()).toContain(run.objectKey);
    expect(new URL(run.url!).origin).toBe(new URL(zoneServer.endpoint).origin);
    const download = await fetch(run.url!);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBeGreaterThan(0);
  });

  it('leaves other teams in the service bucket', async () => {
    const created = await fixture.client.createRun({ report: itemized, report_parameters: march }, { key: fixture.otherTeamKey });
    const ended = await waitFor(
      () => fixture.client.getRun(created.id, { key: fixture.otherTeamKey }),
      (run) => run.status !== 'running',
      { timeoutMs: 60_000 },
    );
    expect(ended.status).toBe('succeeded');
    const stored = await fixture.db.prisma.reportRun.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.storageZoneId).toBeNull();
    expect(await zoneKeys()).not.toContain(stored.fileObjectKey);
    expect(new URL(ended.result!.file!.download_url!.url).origin).toBe(new URL(fixture.environment.config.S3_ENDPOINT!).origin);
  });

  it('sends new runs back to the service bucket after clear, while earlier files stay reachable in the zone', async () => {
    expect((await zonesCli('clear', '--team', fixture.teamId)).code).toBe(0);
    const run = await runToEnd();
    expect(run.status).toBe('succeeded');
    expect(new URL(run.url!).origin).toBe(new URL(fixture.environment.config.S3_ENDPOINT!).origin);
    expect(await zoneKeys()).not.toContain(run.objectKey);

    const earlier = await fixture.client.getRun(zonedRun.id);
    const url = earlier.result!.file!.download_url!.url;
    expect(new URL(url).origin).toBe(new URL(zoneServer.endpoint).origin);
    expect((await fetch(url)).status).toBe(200);
  });

  it("signs a zone's links for its public endpoint while workers write through its endpoint", async () => {
    const publicEndpoint = zoneServer.endpoint.replace('127.0.0.1', 'localhost');
    expect(publicEndpoint).not.toBe(zoneServer.endpoint);
    const set = await zonesCli(
      'set', '--team', fixture.teamId, '--name', 'EU public', '--endpoint', zoneServer.endpoint,
      '--public-endpoint', publicEndpoint, '--bucket', zoneBucket, '--region', 'eu-central-1', '--credentials-ref', 'EU',
    );
    expect(set.code, set.stderr).toBe(0);
    const run = await runToEnd();
    expect(run.status).toBe('succeeded');
    expect(await zoneKeys()).toContain(run.objectKey);
    expect(new URL(run.url!).origin).toBe(new URL(publicEndpoint).origin);
    expect((await fetch(run.url!)).status).toBe(200);
    await zonesCli('clear', '--team', fixture.teamId);
  });

  it.each(resultKinds)('fails a $name run as storage_zone_unavailable when the worker lacks the zone credentials, and writes nothing', async ({ options }) => {
    const set = await zonesCli(
      'set', '--team', fixture.teamId, '--name', 'Nowhere', '--endpoint', zoneServer.endpoint,
      '--bucket', zoneBucket, '--region', 'eu-central-1', '--credentials-ref', 'UNSET_IN_WORKERS',
    );
    expect(set.code, set.stderr).toBe(0);
    const before = await zoneKeys();
    const run = await runToEnd(options);
    expect(run.status).toBe('failed');
    const failed = await fixture.client.getRun(run.id);
    expect(failed.status_details).toMatchObject({ code: 'storage_zone_unavailable' });
    expect(await zoneKeys()).toEqual(before);
    await zonesCli('clear', '--team', fixture.teamId);
  });

});
