// e2e: Debian's Chromium driven by Playwright against the real Prosody/ejabberd started by e2e/servers/start.sh.
import { defineConfig } from 'playwright/test';

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
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
  webServer: {
    command: `node ${import.meta.dirname}/support/static-server.mjs`,
    url: `http://localhost:${pagePort}/`,
    reuseExistingServer: true,
    env: { E2E_PAGE_PORT: String(pagePort) },
  },
});
