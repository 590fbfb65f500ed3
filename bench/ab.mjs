// A/B of two antistrophe source trees in one Chromium, interleaved, to measure a change before it lands:
// node bench/ab.mjs --b DIR [--a DIR] [--only parse,client,online,scram] [--reps N] [--rtt MS]   (A: this checkout)
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { launch } from './browser.mjs';
import { buildCorpus } from './corpus.mjs';
import { startEchoServer } from './echo-server.mjs';
import { browserFalsePlugin, root, sourcePlugin } from './esbuild.mjs';
import { pageHtml, saxWasmBytes, startHttpServer } from './http-server.mjs';
import { startLatencyProxy } from './latency-proxy.mjs';
import { median } from './stats.mjs';

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const trees = { a: arg('--a', root), b: arg('--b') };
if (!trees.b) throw new Error('usage: node bench/ab.mjs --b DIR [--a DIR] [--only parse,client,online,scram] [--reps N]');
const only = new Set(arg('--only', 'parse,client,online').split(','));
const reps = Number(arg('--reps', 9));

async function bundle(tree) {
  const out = await build({
    entryPoints: [new URL('./pages/ours.js', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    absWorkingDir: root,
    logLevel: 'silent',
    plugins: [browserFalsePlugin, sourcePlugin(tree)],
  });
  return out.outputFiles[0].text;
}

const files = new Map([['/sax-wasm.wasm', saxWasmBytes()]]);
for (const [k, tree] of Object.entries(trees)) {
  files.set(`/${k}.js`, await bundle(tree));
  files.set(`/${k}.html`, pageHtml(k));
}
const server = await startHttpServer(files);
const echo = await startEchoServer();
const env = JSON.parse(readFileSync('/tmp/antistrophe-e2e/env.json', 'utf8'));
const browser = await launch();
const tabs = {};
for (const k of Object.keys(trees)) {
  const page = await (await browser.newContext()).newPage();
  page.on('pageerror', (e) => console.error(`${k}: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.port}/${k}.html`);
  await page.waitForFunction(() => window.benchReady === true);
  tabs[k] = (method, ...args) => page.evaluate(([m, a]) => window.bench[m](...a), [method, args]);
}

async function interleave(name, unit, fn) {
  const samples = { a: [], b: [] };
  for (let r = -1; r < reps; r++) {
    for (const k of r % 2 ? ['a', 'b'] : ['b', 'a']) {
      const v = await fn(tabs[k], r);
      if (r >= 0) samples[k].push(v);
    }
  }
  const [a, b] = [median(samples.a), median(samples.b)];
  console.log(`${name}: A ${a.toFixed(1)} ${unit}, B ${b.toFixed(1)} ${unit}, B/A ${(b / a).toFixed(3)}`);
}

try {
  if (only.has('parse')) {
    const frames = buildCorpus();
    for (const t of Object.values(tabs)) await t('setCorpus', frames);
    for (const name of await tabs.a('parserNames')) await interleave(`parse ${name}`, 'stanzas/s', (t) => t('parse', name, 3, 500));
  }
  if (only.has('client')) {
    for (const [k, t] of Object.entries(tabs)) await t('open', 'echo', { service: echo.url, jid: `bench@localhost/ab-${k}`, password: 'x', mechanism: 'PLAIN' });
    await interleave('client-bound (N=20000)', 'msgs/s', (t) => t('flood', 'echo', 'echo', 'echo@localhost', 20000));
  }
  if (only.has('scram')) await interleave('SCRAM-SHA-1 4096 (WebCrypto, warm)', 'ms', (t) => t('scram'));
  if (only.has('online')) {
    // --rtt MS: through bench/latency-proxy.mjs, so that saved round trips show as they would on a network
    const rtt = Number(arg('--rtt', 0));
    const proxy = rtt ? await startLatencyProxy('127.0.0.1', Number(new URL(env.prosody.websocket.ws).port), rtt / 2) : undefined;
    const ws = proxy ? env.prosody.websocket.ws.replace(/:\d+\//, `:${proxy.port}/`) : env.prosody.websocket.ws;
    for (const mechanism of ['SCRAM-SHA-1', 'PLAIN']) {
      await interleave(`online ${mechanism}${rtt ? ` (${rtt} ms RTT)` : ''}`, 'ms', (t, r) => t('online', { service: ws, jid: `alice@localhost/ab-${r + 1}`, password: 'alicepass', mechanism }));
    }
    await proxy?.close();
  }
} finally {
  await browser.close();
  await server.close();
  await echo.close();
}
