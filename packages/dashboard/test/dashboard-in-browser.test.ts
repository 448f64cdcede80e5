import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as database from '@reportrun/db';
import { lockLedger, useTestFixture } from '@reportrun/testing';
import { focusedDescription, launchChromium, screenshot, tabTo } from './browser.ts';

const ledgerRows = 3_000;
const fixture = useTestFixture({
  database,
  team: 'Dashboard team',
  seed: async (db) => {
    await database.seedLedger(db.pool, ledgerRows);
  },
  api: true,
  worker: true,
});

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

const dashboardUrl = () => `${fixture.api.url}/dashboard/`;
const itemized = 'balance_change_from_activity.itemized.1';

/** A fresh tab (its own session storage), signed in with the file's key. */
async function signedInPage(viewport = { width: 1280, height: 900 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(dashboardUrl());
  await page.getByLabel('API key').fill(fixture.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
  return { context, page };
}

async function fillRunForm(page: Page, start: string, end: string): Promise<void> {
  await page.getByLabel('Report', { exact: true }).selectOption(itemized);
  await page.getByLabel(/^interval_start/).fill(start);
  await page.getByLabel(/^interval_end/).fill(end);
}

const navLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

/** CSV records, not lines: a quoted cell may hold a line break. */
function csvRecords(text: string): number {
  let records = 0;
  let quoted = false;
  for (const character of text) {
    if (character === '"') quoted = !quoted;
    else if (character === '\n' && !quoted) records += 1;
  }
  return records + (text.endsWith('\n') ? 0 : 1);
}

const progressOf = (page: Page) => page.locator('main .card progress').first();

describe('the dashboard in a real browser', () => {
  it('is served by the API at /dashboard, and asks for a key it keeps only in the tab', async () => {
    const redirect = await fetch(`${fixture.api.url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
    const missing = await fetch(`${fixture.api.url}/dashboard/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(dashboardUrl());
    expect(response!.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await screenshot(page, 'sign-in');

    await page.getByLabel('API key').fill('rr_test_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/unknown or has been revoked/);

    await page.getByLabel('API key').fill(fixture.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('reportrun.apiKey'))).toBe(fixture.apiKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect((await context.cookies()).length).toBe(0);

    // Another tab of the same browser has its own session storage: it must sign in again.
    const other = await context.newPage();
    await other.goto(dashboardUrl());
    await other.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('reportrun.apiKey'))).toBeNull();
    await context.close();
  });

  it('a run created from the form shows its progress reach 100% and its file downloads', async () => {
    const { context, page } = await signedInPage();
    await navLink(page, 'New run').click();
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    await fillRunForm(page, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
    await screenshot(page, 'new-run-form');
    await page.getByRole('button', { name: 'Create run' }).click();

    await page.waitForURL(/#\/runs\/reprun_/);
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]!);
    await expect.poll(() => progressOf(page).getAttribute('data-percent'), { timeout: 60_000 }).toBe('100');
    await expect.poll(() => page.locator('#run-status [data-status]').getAttribute('data-status')).toBe('succeeded');
    const run = await fixture.client.getRun(runId);
    expect(run.status).toBe('succeeded');
    await expect.poll(() => page.locator('main').textContent()).toContain(`Done: ${run.result!.file!.rows.toLocaleString('en-US')} rows`);
    await screenshot(page, 'run-succeeded');

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const csv = await readFile((await download.path())!, 'utf8');
    // The same file the API describes: its header, then one record per row it counted.
    expect(csv).toMatch(/^balance_transaction_id,/);
    expect(csvRecords(csv) - 1).toBe(run.result!.file!.rows);
    expect(run.result!.file!.rows).toBeGreaterThan(0);
    expect(Buffer.byteLength(csv)).toBe(run.result!.file!.size);

    // The list shows it, and its filters find it by status and by report.
    await navLink(page, 'Runs').click();
    await page.getByLabel('Status').selectOption('succeeded');
    await page.getByLabel('Report').selectOption(itemized);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=succeeded/);
    await page.getByRole('link', { name: runId }).waitFor();
    await screenshot(page, 'runs-list');
    await page.getByLabel('Status').selectOption('canceled');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No runs match').waitFor();
    await context.close();
  });

  it('a running run can be canceled from its page, and then never succeeds', async () => {
    const { context, page } = await signedInPage();
    // The ledger is locked, so the run's query waits inside Postgres: running until canceled.
    const lock = await lockLedger(fixture.environment.env.DATABASE_URL!);
    try {
      await page.goto(`${dashboardUrl()}#/new?report=${itemized}`);
      await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
      await fillRunForm(page, '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
      // Choosing the report already shown keeps what was typed (no late reload replaces it).
      await page.getByLabel('Report', { exact: true }).selectOption(itemized);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await page.getByLabel(/^interval_start/).inputValue()).toBe('2025-01-01T00:00:00Z');
      await page.getByRole('button', { name: 'Create run' }).click();
      await page.waitForURL(/#\/runs\/reprun_/);
      const runId = decodeURIComponent(page.url().split('#/runs/')[1]!);
      await expect.poll(() => page.locator('#run-status [data-status]').getAttribute('data-status')).toBe('running');
      expect(Number(await progressOf(page).getAttribute('value'))).toBeLessThan(100);

      // The runs list shows it running, with its bar short of the end.
      await navLink(page, 'Runs').click();
      const row = page.locator(`.progress[data-run="${runId}"]`);
      await expect.poll(() => row.getAttribute('data-status')).toBe('running');
      await screenshot(page, 'runs-list-running');
      await page.getByRole('link', { name: runId }).click();

      await screenshot(page, 'run-running');
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await expect.poll(() => page.locator('#run-status [data-status]').getAttribute('data-status')).toBe('canceled');
      await page.getByText('The run was canceled.').waitFor();
      expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
      expect(await page.locator('#download').count()).toBe(0);
      await screenshot(page, 'run-canceled');
      await lock.release();
      const ended = await fixture.client.waitUntilEnded(runId);
      expect(ended.status).toBe('canceled');
    } finally {
      await lock.release();
      await context.close();
    }
  });

  it('a bad parameter is shown at its field, named by the API', async () => {
    const { context, page } = await signedInPage();
    await page.goto(`${dashboardUrl()}#/new?report=${itemized}`);
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    await fillRunForm(page, 'yesterday', '2026-01-01T00:00:00Z');
    await page.getByRole('button', { name: 'Create run' }).click();
    const start = page.getByLabel(/^interval_start/);
    await expect.poll(() => start.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('alert').first().textContent()).toMatch(/interval_start|parameter/i);
    expect(page.url()).toContain('#/new');
    await context.close();
  });

  it('pages through runs, and works at phone width: nothing scrolls sideways and tables read as cards', async () => {
    const { context, page } = await signedInPage({ width: 375, height: 740 });
    await expect.poll(() => page.locator('.table tbody tr').count()).toBeGreaterThan(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await page.locator('.table thead').boundingBox().then((box) => box?.width ?? 0)).toBeLessThanOrEqual(1);
    const cell = page.locator('.table tbody tr').first().locator('td').first();
    expect(await cell.evaluate((element) => getComputedStyle(element).display)).not.toBe('table-cell');
    await screenshot(page, 'phone-runs-list');

    // A page at a time (the earlier tests made two runs): the older page holds the other run,
    // and leads back.
    await expect.poll(() => page.locator('.table tbody tr').count()).toBe(2);
    const [newest, older] = await page.locator('.table tbody a').allTextContents();
    await page.goto(`${dashboardUrl()}#/runs?limit=1`);
    await expect.poll(() => page.locator('.table tbody tr').count()).toBe(1);
    expect(await page.locator('.table tbody a').textContent()).toBe(newest);
    await page.getByRole('link', { name: 'Older runs' }).click();
    await expect.poll(() => page.locator('.table tbody a').first().textContent()).toBe(older);
    await page.getByRole('link', { name: 'Newer runs' }).click();
    await expect.poll(() => page.locator('.table tbody a').first().textContent()).toBe(newest);

    await page.locator('.table tbody tr a').first().click();
    await page.getByRole('heading', { name: 'Timeline' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await screenshot(page, 'phone-run');
    await context.close();
  });

  it('a run can be created with the keyboard alone, from sign-in to its page', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(dashboardUrl());
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();

    await tabTo(page, '#api-key');
    await page.keyboard.type(fixture.apiKey);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();

    await tabTo(page, 'nav a[href="#/new"]');
    // Focus is drawn where it lands, so a keyboard user can see it.
    expect(await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle)).not.toBe('none');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'New run' }).waitFor();
    await page.getByLabel(/^interval_start/).waitFor();

    await tabTo(page, '#report');
    // A closed select changes with the arrow keys; walk to the itemized report.
    for (let presses = 0; presses < 20 && (await page.locator('#report').inputValue()) !== itemized; presses += 1) {
      await page.keyboard.press('ArrowDown');
    }
    expect(await page.locator('#report').inputValue()).toBe(itemized);
    await page.locator('#parameter-interval_start').waitFor();
    await tabTo(page, '#parameter-interval_start');
    await page.keyboard.type('2025-03-01T00:00:00Z');
    await tabTo(page, '#parameter-interval_end');
    await page.keyboard.type('2025-04-01T00:00:00Z');
    await tabTo(page, 'form button[type="submit"]');
    await screenshot(page, 'keyboard-new-run');
    await page.keyboard.press('Enter');

    await page.waitForURL(/#\/runs\/reprun_/);
    const runId = decodeURIComponent(page.url().split('#/runs/')[1]!);
    // The new page takes focus at its heading, so the keyboard user continues from there.
    await expect.poll(() => focusedDescription(page)).toMatch(/^h1/);
    const run = await fixture.client.waitUntilEnded(runId);
    expect(run.status).toBe('succeeded');
    const { interval_start: start, interval_end: end } = run.report_parameters as Record<string, string>;
    expect([Date.parse(start!), Date.parse(end!)]).toEqual([Date.parse('2025-03-01T00:00:00Z'), Date.parse('2025-04-01T00:00:00Z')]);
    // The page learns the end from the run's event stream (polled about once a second), so the
    // download button appears shortly after the API says succeeded.
    await page.locator('#download').waitFor();
    await tabTo(page, '#download');
    await context.close();
  });

  it("shows the team's members with their scopes, saved reports to run, and its API keys to create and revoke", async () => {
    const member = await fixture.client.call('POST', '/v1/members', { email: 'ada@example.com', data_scope: { currency: ['eur'] } });
    expect(member.status).toBe(201);
    const saved = await fixture.client.call('POST', '/v1/reports/saved', {
      name: 'March, itemized',
      catalog_report: { report: itemized, report_parameters: { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-04-01T00:00:00Z' } },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);

    const { context, page } = await signedInPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await navLink(page, 'Members').click();
    await page.getByRole('cell', { name: 'ada@example.com' }).waitFor();
    expect(await page.getByRole('row', { name: /ada@example\.com/ }).textContent()).toContain('currency: eur');
    await screenshot(page, 'members');

    await navLink(page, 'API keys').click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    // The key this tab uses cannot be revoked from it.
    expect(await page.getByRole('row', { name: /this session/ }).getByRole('button', { name: /Revoke/ }).isDisabled()).toBe(true);
    await page.getByLabel('Name').fill('Warehouse sync');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.locator('#new-secret').inputValue();
    expect(secret).toMatch(/^rr_test_/);
    expect((await fixture.client.call('GET', '/v1/api_keys', undefined, { key: secret })).status).toBe(200);
    await screenshot(page, 'api-keys');
    await page.getByRole('button', { name: 'Revoke Warehouse sync' }).click();
    await page.getByText('The key “Warehouse sync” was revoked.').waitFor();
    expect((await fixture.client.call('GET', '/v1/api_keys', undefined, { key: secret })).status).toBe(401);

    await navLink(page, 'Saved reports').click();
    await page.getByRole('button', { name: 'Run March, itemized' }).click();
    await page.waitForURL(/#\/runs\/reprun_/);
    await expect.poll(() => page.locator('#run-status [data-status]').getAttribute('data-status'), { timeout: 60_000 }).toBe('succeeded');
    await context.close();
  });

  it('lists schedules with their next five firings in their own time zone, and fires one on request', async () => {
    const member = await fixture.client.call('POST', '/v1/members', { email: 'grace@example.com' });
    const saved = await fixture.client.call('POST', '/v1/reports/saved', {
      name: 'Yesterday, itemized',
      catalog_report: { report: itemized, report_parameters: { interval_start: '2025-03-01T00:00:00Z', interval_end: '2025-03-02T00:00:00Z' } },
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    const commandId = String(saved.body.id);
    const created = await fixture.client.call('POST', `/commands/${commandId}/schedules`, {
      organization_id: fixture.teamId,
      cron_expression: '30 7 * * 1-5',
      timezone: 'Australia/Lord_Howe',
      name: 'Weekday mornings',
      subscriber_user_ids: [String(member.body.id)],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const upcoming = created.body.upcoming_run_times as string[];
    expect(upcoming).toHaveLength(5);

    const { context, page } = await signedInPage();
    await navLink(page, 'Schedules').click();
    const row = page.locator(`tr[data-schedule="${String(created.body.id)}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Yesterday, itemized');
    // Each firing is shown at the schedule's own wall clock: 07:30 in Lord Howe, whatever the
    // browser's zone, and the instants are exactly the API's.
    const times = row.locator('ol.firings time');
    expect(await times.evaluateAll((elements) => elements.map((element) => element.getAttribute('datetime')))).toEqual(upcoming);
    for (const text of await times.allTextContents()) expect(text).toMatch(/07:30/);
    await screenshot(page, 'schedules');

    await row.getByRole('button', { name: 'Fire Weekday mornings now' }).click();
    await page.getByText('Weekday mornings fired now: 1 run made.').waitFor();
    const runs = await fixture.client.call('GET', `/reports/runs?organization_id=${fixture.teamId}&schedule_id=${String(created.body.id)}`);
    expect((runs.body.runs as unknown[]).length).toBe(1);
    await context.close();
  });
});
