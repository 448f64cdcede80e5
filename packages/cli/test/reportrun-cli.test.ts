import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { lockLedger, useTestFixture, waitFor } from '@reportrun/testing';

const fixture = useTestFixture({
  database,
  team: 'CLI team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 5_000);
  },
  api: true,
  worker: true,
});

const bin = fileURLToPath(new URL('../bin/reportrun.js', import.meta.url));
const report = 'balance_change_from_activity.itemized.1';
const january = ['--param', 'interval_start=2025-01-01T00:00:00Z', '--param', 'interval_end=2025-02-01T00:00:00Z'];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `reportrun` binary, as a user's shell would, with the file's API and key. */
function reportrun(args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { PATH: process.env.PATH ?? '', REPORTRUN_API_URL: fixture.api.url, REPORTRUN_API_KEY: fixture.apiKey, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'reportrun-cli-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('the reportrun CLI against a real API and worker', () => {
  it('creates a run, follows it to success with plain progress lines, and downloads the CSV', async () => {
    const file = join(directory, 'january.csv');
    const { code, stdout, stderr } = await reportrun(['runs', 'create', '--report', report, ...january, '--wait', '--download', file]);
    expect(code, stderr).toBe(0);
    // Not a terminal: one plain line per change, ending with the succeeded state.
    expect(stderr).toMatch(/^reprun_\w+ created$/m);
    expect(stderr).toMatch(/^succeeded succeeded rows=\d+ bytes=\d+ elapsed=/m);
    expect(stderr).not.toContain('\r');
    const csv = await readFile(file, 'utf8');
    const id = /^(reprun_\w+)\s+succeeded/m.exec(stdout)![1]!;
    const run = await fixture.client.getRun(id);
    expect(run.result!.file!.size).toBe(Buffer.byteLength(csv));
    expect(stdout).toContain(`${run.result!.file!.rows.toLocaleString('en-US')} rows`);
  });

  it('--zip --json prints the ended run as JSON and downloads the ZIP', async () => {
    const file = join(directory, 'january.zip');
    const { code, stdout, stderr } = await reportrun(['runs', 'create', '--report', report, ...january, '--zip', '--wait', '--download', file, '--json']);
    expect(code, stderr).toBe(0);
    const run = JSON.parse(stdout) as ReportRunResource;
    expect(run).toMatchObject({ status: 'succeeded', result: { file: { content_type: 'zip' } } });
    const bytes = await readFile(file);
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.length).toBe(run.result!.file!.size);
  });

  it('lists and reads runs and reports', async () => {
    const created = await reportrun(['runs', 'create', '--report', report, ...january, '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { id } = JSON.parse(created.stdout) as ReportRunResource;
    const listed = await reportrun(['runs', 'list', '--limit', '5']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    const got = await reportrun(['runs', 'get', id, '--json']);
    expect((JSON.parse(got.stdout) as ReportRunResource).id).toBe(id);
    const reports = await reportrun(['reports', 'list']);
    expect(reports.code).toBe(0);
    expect(reports.stdout).toContain(report);
    const one = await reportrun(['reports', 'get', report, '--json']);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toMatchObject({ id: report });
  });

  it('a run canceled while the CLI waits exits 2; one that fails exits 1', async () => {
    const lock = await lockLedger(fixture.environment.config.DATABASE_URL);
    try {
      const waiting = spawn(process.execPath, [bin, 'runs', 'create', '--report', report, ...january, '--wait'], {
        env: { PATH: process.env.PATH ?? '', REPORTRUN_API_URL: fixture.api.url, REPORTRUN_API_KEY: fixture.apiKey },
      });
      let stderr = '';
      waiting.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => waiting.on('exit', resolve));
      const id = (await waitFor(async () => /^(reprun_\w+) created$/m.exec(stderr), (match) => match !== null))![1]!;
      const canceled = await reportrun(['runs', 'cancel', id]);
      expect(canceled.code, canceled.stderr).toBe(0);
      expect(await exited).toBe(2);
      expect(stderr).toMatch(/^canceled canceled/m);

      // The ledger is still locked: a one-second limit runs out while the query waits.
      const failed = await reportrun(['runs', 'create', '--report', report, ...january, '--timeout', '1', '--wait']);
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stdout).toMatch(/failed/);
      expect(failed.stdout).toContain('timeout');
    } finally {
      await lock.release();
    }
  });

  it('exit codes say what went wrong: usage, rejected, not found, bad key, unreachable', async () => {
    expect((await reportrun(['runs', 'create', '--report', report, '--zap'])).code).toBe(64);
    expect((await reportrun(['runs', 'create', ...january])).code).toBe(64);
    expect((await reportrun(['runs', 'frobnicate'])).code).toBe(64);
    expect((await reportrun(['keys', 'revoke'])).code).toBe(64);
    const rejected = await reportrun(['runs', 'create', '--report', report, '--param', 'interval_start=yesterday']);
    expect(rejected.code).toBe(65);
    expect(rejected.stderr).toContain('interval_start');
    const missing = await reportrun(['runs', 'get', 'reprun_00000000000000000000000000']);
    expect(missing.code).toBe(66);
    expect((await reportrun(['runs', 'list'], { REPORTRUN_API_KEY: 'rr_test_unknown' })).code).toBe(77);
    expect((await reportrun(['runs', 'list'], { REPORTRUN_API_KEY: '' })).code).toBe(77);
    const unreachable = await reportrun(['runs', 'list', '--api-url', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(69);
    expect(unreachable.stderr).toContain('cannot reach the API');
  });
});
