// Browser setups for the client-certificate e2e: contexts with a Playwright-supplied certificate, the XEP-0257
// module loaded in the page, and Chromium reading its own NSS database under an AutoSelectCertificateForUrls policy.
import { accessSync, constants, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type LaunchOptions, type Page } from 'playwright/test';
import { openHarness } from './fixtures.js';

/** A client certificate and its key, as PEM files. */
export interface CertFiles {
  certPath: string;
  keyPath: string;
}

/** A page on the harness in its own browser context; `errors` collects uncaught page errors. */
export interface HarnessPage {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** The https origin of a service URL (`wss://h:p/x` → `https://h:p`), as Playwright's clientCertificates wants it. */
export function httpsOrigin(service: string): string {
  return new URL(service.replace(/^wss:/i, 'https:')).origin;
}

/**
 * Opens the harness in a new context that presents `cert` to `origin` (none when `cert` is undefined).
 * The test CA is not trusted by Chromium, hence `ignoreHTTPSErrors`.
 */
export async function certHarness(browser: Browser, baseURL: string, origin: string, cert?: CertFiles): Promise<HarnessPage> {
  const context = await browser.newContext({
    baseURL,
    ignoreHTTPSErrors: true,
    ...(cert ? { clientCertificates: [{ origin, certPath: cert.certPath, keyPath: cert.keyPath }] } : {}),
  });
  const page = await context.newPage();
  const errors = await openHarness(page);
  return { context, page, errors };
}

/** Imports the built `antistrophe/xep-0257` entry into the page as an application would, as `window.X`. */
export async function loadXep0257(page: Page): Promise<void> {
  await page.addScriptTag({ type: 'module', content: "import * as X from '/dist/xep-0257.js'; window.X = X;" });
  await page.waitForFunction(() => 'X' in window, undefined, { timeout: 10_000 });
}

const POLICY_DIR = '/etc/chromium/policies/managed';

/** True when this process may write Chromium's managed policies (normally: runs as root). */
export function canWriteChromiumPolicies(): boolean {
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    accessSync(POLICY_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** One AutoSelectCertificateForUrls rule: certificates for `pattern` issued by `issuerCN` are chosen without asking. */
export interface AutoSelectRule {
  pattern: string;
  issuerCN: string;
}

/**
 * Runs `fn` with a managed Chromium policy file that auto-selects client certificates (Chromium reads
 * /etc/chromium/policies/managed/*.json at start-up; writing there needs root). The file is removed afterwards.
 */
export async function withAutoSelectPolicy<T>(rules: AutoSelectRule[], fn: () => Promise<T>): Promise<T> {
  const file = join(POLICY_DIR, `antistrophe-e2e-client-certificates-${process.pid}.json`);
  mkdirSync(POLICY_DIR, { recursive: true });
  const policy = { AutoSelectCertificateForUrls: rules.map((r) => JSON.stringify({ pattern: r.pattern, filter: { ISSUER: { CN: r.issuerCN } } })) };
  writeFileSync(file, JSON.stringify(policy, null, 2));
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/**
 * Launches Chromium with `HOME` pointing at a directory whose `.pki/nssdb` holds a client certificate and the
 * trusted test CA: the browser picks the certificate itself, as on a user's machine (no Playwright certificate).
 */
export function launchWithNssHome(home: string, launchOptions: LaunchOptions | undefined): Promise<Browser> {
  return chromium.launch({ ...launchOptions, env: { ...process.env, HOME: home } });
}
