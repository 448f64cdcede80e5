import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Debian's chromium, driven by playwright-core: no browser is downloaded. `.ci/run` installs
 * the package when it is missing.
 */
export const chromiumPath = '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const screenshotDirectory = fileURLToPath(new URL('./screenshots/', import.meta.url));

/** Saves the whole page as test/screenshots/<name>.png (the folder is not committed). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDirectory, { recursive: true });
  await page.screenshot({ path: `${screenshotDirectory}${name}.png`, fullPage: true });
}

/** What has keyboard focus, as text a failing assertion can show. */
export const focusedDescription = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement;
    if (!element) return 'nothing';
    return `${element.tagName.toLowerCase()}#${element.id} "${(element.textContent ?? '').trim().slice(0, 40)}"`;
  });

/**
 * Presses Tab until the element matching `selector` has focus, as a keyboard user would, and
 * fails if it is not reached within `maxPresses`.
 */
export async function tabTo(page: Page, selector: string, maxPresses = 40): Promise<void> {
  for (let presses = 0; presses < maxPresses; presses += 1) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  expect.fail(`Tab never reached ${selector}; focus is on ${await focusedDescription(page)}`);
}
