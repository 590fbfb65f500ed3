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

/** Opens the harness page and waits for the library. */
export async function openHarness(page: Page, url = '/'): Promise<string[]> {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (process.env.E2E_VERBOSE) console.log(`[page] ${m.text()}`);
  });
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true, undefined, { timeout: 10_000 });
  return pageErrors;
}

export const test = base.extend<{ harness: Page; env: E2eEnv; pageErrors: string[] }>({
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring
  env: async ({}, use) => {
    await use(e2eEnv());
  },
  // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies by destructuring
  pageErrors: async ({}, use) => {
    await use([]);
  },
  harness: async ({ page, pageErrors }, use) => {
    const errors = await openHarness(page);
    await use(page);
    pageErrors.push(...errors);
    if (errors.length) throw new Error(`uncaught page errors: ${errors.join('; ')}`);
  },
});

export { expect } from 'playwright/test';

/** A unique resource per test run, so parallel tests never collide. */
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
