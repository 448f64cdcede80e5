import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import type { ReportRunResource } from '@reportrun/core';
import * as database from '@reportrun/db';
import { useTestFixture, waitFor } from '@reportrun/testing';
import { expectedItemizedCsv, expectedItemizedRows } from './ledger-csv.ts';

const fixture = useTestFixture({
  database,
  team: 'End-to-end team',
  seed: async (db) => {
    await database.seedLedger(db.pool, 20_000);
  },
  api: true,
  worker: true,
});
const { createRun, getRun } = fixture.client;

const finished = (run: ReportRunResource) => run.status !== 'running';
const interval = { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-15T12:30:00Z' };

describe('a report run from HTTP request to downloaded file', () => {
  it('produces the CSV of exactly the ledger rows in the interval', async () => {
    const created = await createRun({
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: interval,
    });
    expect(created).toMatchObject({
      object: 'v2.reporting.report_run',
      livemode: false,
      report: 'balance_change_from_activity.itemized.1',
      report_name: expect.any(String),
      report_parameters: { interval_start: '2025-03-01T00:00:00.000Z', interval_end: '2025-04-15T12:30:00.000Z' },
      result: null,
      result_options: { compress_file: false },
      status: 'running',
    });
    expect(created.id).toMatch(/^reprun_[0-9a-z]{26}$/);
    expect(new Date(created.created).toISOString()).toBe(created.created);

    const run = await waitFor(() => getRun(created.id), finished);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    const file = run.result!.file!;
    expect(file.content_type).toBe('csv');

    const download = await fetch(file.download_url.url);
    expect(download.status).toBe(200);
    const bytes = Buffer.from(await download.arrayBuffer());
    const expected = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end);
    expect(expected.rows).toBeGreaterThan(1000);
    expect(bytes.toString('utf8')).toBe(expected.csv);
    expect(file.size).toBe(bytes.length);
    expect(file.rows).toBe(expected.rows);
    expect(new Date(file.download_url.expires_at!).getTime()).toBeGreaterThan(Date.now());
  });

  it('produces a ZIP holding the same CSV when compress_file is set, filtered by currency', async () => {
    const created = await createRun({
      report: 'balance_change_from_activity.itemized.1',
      report_parameters: { ...interval, currency: 'EUR' },
      result_options: { compress_file: true },
    });
    expect(created.report_parameters).toMatchObject({ currency: 'eur' });
    const run = await waitFor(() => getRun(created.id), finished);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expect(run.result!.file!.content_type).toBe('zip');

    const download = await fetch(run.result!.file!.download_url.url);
    const zipped = new Uint8Array(await download.arrayBuffer());
    expect(zipped.length).toBe(run.result!.file!.size);
    const entries = unzipSync(zipped);
    const names = Object.keys(entries);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/\.csv$/);
    const expected = await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, 'eur');
    expect(Buffer.from(entries[names[0]!]!).toString('utf8')).toBe(expected.csv);
  });

  it('mints a fresh download URL on every read of a succeeded run', async () => {
    const created = await createRun({ report: 'balance_change_from_activity.itemized.1', report_parameters: interval });
    await waitFor(() => getRun(created.id), finished);
    const first = await getRun(created.id);
    // A presigned URL carries a whole-second signing time: read again once a read is signed in
    // a later second than the first one.
    const signedSecond = (run: ReportRunResource) => Math.floor(Date.parse(run.result!.file!.download_url.expires_at!) / 1000);
    const second = await waitFor(() => getRun(created.id), (run) => signedSecond(run) > signedSecond(first));
    expect(second.result!.file!.download_url.url).not.toBe(first.result!.file!.download_url.url);
    expect(second.result!.file!.download_url.expires_at! > first.result!.file!.download_url.expires_at!).toBe(true);
  });
});

async function download(run: ReportRunResource): Promise<Buffer> {
  const response = await fetch(run.result!.file!.download_url.url);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('result options', () => {
  const report = 'balance_change_from_activity.itemized.1';

  it('neutralises spreadsheet formulas in text cells by default, and keeps raw text when escape_formulas is false', async () => {
    const escapedRun = await createRun({ report, report_parameters: interval });
    const rawRun = await createRun({ report, report_parameters: interval, result_options: { escape_formulas: false } });
    expect(escapedRun.result_options).toEqual({ compress_file: false, format: 'csv', escape_formulas: true });
    expect(rawRun.result_options).toEqual({ compress_file: false, format: 'csv', escape_formulas: false });
    const escaped = (await download(await waitFor(() => getRun(escapedRun.id), finished))).toString('utf8');
    const raw = (await download(await waitFor(() => getRun(rawRun.id), finished))).toString('utf8');

    expect(escaped).toBe((await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end)).csv);
    expect(raw).toBe(
      (await expectedItemizedCsv(fixture.db.pool, interval.interval_start, interval.interval_end, undefined, { escapeFormulas: false })).csv,
    );
    // The seed's formula-looking descriptions are quoted in one and raw in the other; negative
    // amounts (refunds, payouts) stay numbers in both.
    expect(escaped).toContain(`"'=HYPERLINK(""http://example.invalid"",""click"")"`);
    expect(raw).toContain(`"=HYPERLINK(""http://example.invalid"",""click"")"`);
    expect(escaped).toContain(`,'-42 adjustment\n`);
    expect(escaped).toMatch(/,-\d+\.\d{2},/);
    expect(raw).not.toContain(`'=`);
  });

  it('writes JSON Lines (zipped when compress_file is set) holding the same values as the CSV', async () => {
    const created = await createRun({
      report,
      report_parameters: { ...interval, currency: 'gbp' },
      result_options: { format: 'json', compress_file: true },
    });
    const run = await waitFor(() => getRun(created.id), finished);
    expect(run.status, JSON.stringify(run.status_details)).toBe('succeeded');
    expect(run.result!.file!.content_type).toBe('zip');
    const entries = unzipSync(new Uint8Array(await download(run)));
    const names = Object.keys(entries);
    expect(names).toEqual([`${report}-${run.id}.jsonl`]);
    const lines = Buffer.from(entries[names[0]!]!).toString('utf8');
    expect(lines.endsWith('\n')).toBe(true);
    const objects = lines.slice(0, -1).split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

    const expected = await expectedItemizedRows(fixture.db.pool, interval.interval_start, interval.interval_end, 'gbp');
    expect(objects).toEqual(expected.rows.map((row) => Object.fromEntries(expected.header.map((name, index) => [name, row[index]]))));
    expect(run.result!.file!.rows).toBe(expected.rows.length);
  });

  it('writes JSON Lines unzipped with content_type json', async () => {
    const created = await createRun({
      report: 'balance.summary.1',
      report_parameters: interval,
      result_options: { format: 'json' },
    });
    const run = await waitFor(() => getRun(created.id), finished);
    expect(run.result!.file!.content_type).toBe('json');
    const lines = (await download(run)).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(run.result!.file!.rows);
    expect(JSON.parse(lines[0]!)).toMatchObject({ category: 'starting_balance', net_amount: expect.any(String) });
  });
});
