// e2e: Debian's Chromium driven by Playwright against the real Prosody/ejabberd started by e2e/servers/start.sh.
import { defineConfig } from 'playwright/test';
import { chromium } from './support/chromium.js';

const pagePort = Number(process.env.E2E_PAGE_PORT ?? 18080);

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${pagePort}/`,
    ignoreHTTPSErrors: true,
    launchOptions: chromium(),
  },
  // always our own server on a port of its own: never pages (or a stale dist/) served by something else
  webServer: {
    command: `node ${import.meta.dirname}/support/static-server.mjs`,
    url: `http://localhost:${pagePort}/`,
    reuseExistingServer: false,
    stderr: 'pipe',
    env: { E2E_PAGE_PORT: String(pagePort) },
  },
});
