// How the e2e suite launches Debian's Chromium; specs that need more flags (host mappings) add to these.
import type { LaunchOptions } from 'playwright/test';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launch options with `extra` flags after the suite's own. */
export function chromium(extra: string[] = []): LaunchOptions {
  return { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: [...ARGS, ...extra] };
}
