// Playwright fixtures: a page with the built library loaded, failing the test on any uncaught page error.
import { test as base, type Page } from 'playwright/test';
import { type E2eEnv, e2eEnv } from './env.js';

export interface LoginResult {
  ok: boolean;
  jid?: string;
  mechanism?: string;
  status?: number;
  condition?: string;
  text?: string;
  statuses: string[];
}

/** Console marker of the page's own unhandledrejection listener (installed before any page script runs). */
const REJECTION = 'e2e-unhandledrejection:';

/**
 * Collects the page's uncaught errors and unhandled rejections into `errors` as they happen (across reloads), so
 * that a test can assert on them at any point.
 */
export async function watchErrors(page: Page, errors: string[] = []): Promise<string[]> {
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(REJECTION)) errors.push(`unhandled rejection: ${text.slice(REJECTION.length)}`);
    else if (process.env.E2E_VERBOSE) console.log(`[page] ${text}`);
  });
  await page.addInitScript((marker) => {
    window.addEventListener('unhandledrejection', (e) => console.error(marker + String((e.reason as Error | undefined)?.stack ?? e.reason)));
  }, REJECTION);
  return errors;
}

/** Waits until the harness page has loaded the library. */
export async function harnessReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });
}

/** Opens the harness page and waits for the library; returns the live list of uncaught page errors. */
export async function openHarness(page: Page, url = '/', errors: string[] = []): Promise<string[]> {
  await watchErrors(page, errors);
  await page.goto(url);
  await harnessReady(page);
  return errors;
}

export const test = base.extend<{ harness: Page; env: E2eEnv; pageErrors: string[] }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring
  env: async ({}, use) => {
    await use(e2eEnv());
  },
  // filled by the harness fixture while the test runs
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring
  pageErrors: async ({}, use) => {
    await use([]);
  },
  harness: async ({ page, pageErrors }, use) => {
    await openHarness(page, '/', pageErrors);
    await use(page);
    if (pageErrors.length) throw new Error(`uncaught page errors: ${pageErrors.join('; ')}`);
  },
});

export { expect } from 'playwright/test';

/** A unique resource per test run, so parallel tests never collide. */
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
