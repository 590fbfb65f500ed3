// The soak section: one antistrophe connection with stream management sends N chats to its own full JID through
// Prosody, paced by the echoes, first in Chromium (heap through CDP after forced GCs), then in a Node child (the same
// loop over `ws`, heapUsed after global.gc()); a heap sample after every `every` messages.
import { launch } from './browser.mjs';
import { bundlePage } from './esbuild.mjs';
import { pageHtml, startHttpServer } from './http-server.mjs';
import { nodeChild } from './memory.mjs';

/** Chats awaiting their echo at most: enough to keep Prosody busy, far below maxUnacked (500, where send() throws). */
export const WINDOW = 200;
/** The library's default ack request interval, which the soak keeps (XEP-0198 `<r/>` every 5 stanzas). */
const REQUEST_EVERY = 5;
/**
 * Heap growth from the first sample after warm-up to the last that still counts as noise: 1 MiB over 90,000
 * messages is under 12 bytes per message, less than any object kept per message (an XmlElement with its attributes
 * and text is several hundred bytes, a Map or Set entry with its key 16 or more), while the GC'd heap of a steady
 * loop wanders by some tens of KiB from sample to sample.
 */
export const GROWTH_LIMIT = 1024 * 1024;

/** The heap series of one environment, its growth after warm-up, and what the runs counted. */
function analyse(samples, runs, seconds) {
  // samples[0] is right after login, samples[1] after the first `every` messages: the warm baseline (code compiled
  // and optimized, buffers and tables at their working size)
  const warm = samples.slice(1);
  const first = warm[0];
  const last = warm.at(-1);
  const n = warm.length;
  const mx = warm.reduce((s, x) => s + x.messages, 0) / n;
  const my = warm.reduce((s, x) => s + x.heap, 0) / n;
  const sxy = warm.reduce((s, x) => s + (x.messages - mx) * (x.heap - my), 0);
  const sxx = warm.reduce((s, x) => s + (x.messages - mx) ** 2, 0);
  const end = runs.at(-1);
  return {
    samples,
    growth: last.heap - first.heap,
    growthShare: (last.heap - first.heap) / first.heap,
    spread: Math.max(...warm.map((x) => x.heap)) - Math.min(...warm.map((x) => x.heap)),
    slope: sxx ? sxy / sxx : Number.NaN,
    sent: end.sent,
    received: end.received,
    misordered: end.misordered,
    outbound: end.outbound,
    inbound: end.inbound,
    unackedAtEnd: end.unacked,
    maxUnacked: Math.max(...runs.map((r) => r.maxUnacked)),
    messagingSeconds: runs.reduce((s, r) => s + r.ms, 0) / 1000,
    seconds,
  };
}

async function inChromium({ service, jid, password, total, every, src, plugins, log }) {
  const code = await bundlePage(new URL('./pages/soak.js', import.meta.url).pathname, { src, plugins });
  const server = await startHttpServer(
    new Map([
      ['/soak.js', code],
      ['/soak.html', pageHtml('soak')],
    ]),
  );
  const browser = await launch();
  const errors = [];
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${server.port}/soak.html`);
    await page.waitForFunction(() => window.soakReady === true, null, { timeout: 30_000 });
    const cdp = await context.newCDPSession(page);
    const heap = async () => {
      // several rounds, as in Node: weak collections and finalizers can free more on the next one
      for (let i = 0; i < 4; i++) await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const session = await page.evaluate((o) => window.soak.open(o), { service, jid, password });
    const samples = [{ messages: 0, heap: await heap() }];
    const runs = [];
    const t0 = performance.now();
    for (let done = 0; done < total; done += every) {
      const run = await page.evaluate(([c, w]) => window.soak.run(c, w), [Math.min(every, total - done), WINDOW]);
      runs.push(run);
      samples.push({ messages: run.sent, heap: await heap() });
      log(`soak chromium ${run.sent}: ${(samples.at(-1).heap / 1024).toFixed(0)} KiB, ${Math.round((Math.min(every, total - done) * 1000) / run.ms)} msgs/s`);
    }
    const seconds = (performance.now() - t0) / 1000;
    await page.evaluate(() => window.soak.close());
    return { chromium: browser.version(), session, errors, ...analyse(samples, runs, seconds) };
  } finally {
    await browser.close();
    await server.close();
  }
}

/** Runs the soak in Chromium, then in Node (one after the other: on two cores they would slow each other down). */
export async function measureSoak({ env, total, every, src, appDir, plugins, log }) {
  const service = env.prosody.websocket.ws;
  const password = env.prosody.hosts.localhost.users.alice;
  const base = { total, every, window: WINDOW, requestEvery: REQUEST_EVERY, bound: WINDOW + REQUEST_EVERY, growthLimit: GROWTH_LIMIT };
  const out = { ...base };
  try {
    out.browser = await inChromium({ service, jid: `alice@localhost/soak-chromium-${process.pid}`, password, total, every, src, plugins, log });
  } catch (e) {
    out.browser = { error: String(e.message ?? e) };
    log(`soak chromium: FAILED ${out.browser.error}`);
  }
  if (appDir) process.env.BENCH_APP_DIR = appDir;
  try {
    const t0 = performance.now();
    const args = [service, `soak-node-${process.pid}`, String(total), String(every), String(WINDOW)];
    const res = await nodeChild('./node-soak.mjs', args, { src, timeoutMs: 600_000, onErr: (s) => log(s.trim()) });
    out.node = { session: res.session, ...analyse(res.samples, res.runs, (performance.now() - t0) / 1000) };
  } catch (e) {
    out.node = { error: String(e.message ?? e) };
    log(`soak node: FAILED ${out.node.error}`);
  }
  return out;
}
