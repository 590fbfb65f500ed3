// Builds the three bench pages, serves them, and opens them in Debian's Chromium (one tab per library).
import { chromium } from 'playwright';
import { bundlePage } from './esbuild.mjs';
import { pageHtml, saxWasmBytes, startHttpServer } from './http-server.mjs';

export const LIBS = ['antistrophe', 'strophe.js', '@xmpp/client'];
const PAGE = { antistrophe: 'antistrophe', 'strophe.js': 'strophe', '@xmpp/client': 'xmppjs' };
const ENTRY = { antistrophe: 'ours.js', 'strophe.js': 'strophe.js', '@xmpp/client': 'xmppjs.js' };
/** A host name that maps to 127.0.0.1 but is not a secure context: no crypto.subtle there. */
export const INSECURE_HOST = 'bench.test';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  `--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`,
];

/** Bundles every page and starts the HTTP server; returns its origins and the bundles' sizes. */
export async function servePages({ src, readable, plugins }) {
  const files = new Map([['/sax-wasm.wasm', saxWasmBytes()]]);
  const bundles = {};
  for (const lib of LIBS) {
    const code = await bundlePage(new URL(`./pages/${ENTRY[lib]}`, import.meta.url).pathname, { src, readable, plugins });
    files.set(`/${PAGE[lib]}.js`, code);
    files.set(`/${PAGE[lib]}.html`, pageHtml(PAGE[lib]));
    bundles[lib] = code.length;
  }
  const server = await startHttpServer(files);
  return {
    ...server,
    origin: `http://127.0.0.1:${server.port}`,
    insecureOrigin: `http://${INSECURE_HOST}:${server.port}`,
    bundles,
  };
}

export async function launch() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

/** Opens one library's page and waits for its driver; page errors are collected in `errors`. */
export async function openPage(browser, origin, lib, errors) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${lib}: ${e.message}`));
  await page.goto(`${origin}/${PAGE[lib]}.html`);
  await page.waitForFunction(() => window.benchReady === true, null, { timeout: 30_000 });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  return {
    lib,
    page,
    /** Calls window.bench[method](...args) in the page. */
    call: (method, ...args) => page.evaluate(([m, a]) => window.bench[m](...a), [method, args]),
    /** Seconds the page's main thread has spent running tasks so far (CDP Performance `TaskDuration`). */
    async busy() {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'TaskDuration').value;
    },
    close: () => context.close(),
  };
}
