// `npm run bench`: antistrophe, strophe.js and @xmpp/client in one run — the same Chromium, the same local
// Prosody, the same bundling — then bench/results.md with medians, ratios and PASS/FAIL per target.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerDir } from '../scripts/check-bundle.mjs';
import { launch, servePages } from './browser.mjs';
import { runBrowserSuite } from './browser-suite.mjs';
import { appPlugin, buildPrivatePackage, removeTemporaryDirs } from './build.mjs';
import { buildCorpus, describeCorpus } from './corpus.mjs';
import { startEchoServer } from './echo-server.mjs';
import { root } from './esbuild.mjs';
import { load1, machineInfo } from './machine.mjs';
import { measureMemory } from './memory.mjs';
import { parseOptions, SECTIONS } from './options.mjs';
import { OUT_DIR } from './profile.mjs';
import { renderReport } from './report.mjs';
import { measureSizes } from './sizes.mjs';
import { measureSoak } from './soak.mjs';

const started = Date.now();
const log = (msg) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}`);
const opts = parseOptions(process.argv.slice(2));
const notes = [];
const loadStart = load1();

/**
 * The antistrophe under test: a private build of this checkout (default), ./dist as it is (--no-build), or the
 * sources (--src, --root). Returns the app directory that resolves `antistrophe`, or undefined for sources.
 */
async function libraryUnderTest() {
  if (opts.src) return undefined;
  if (!opts.build) {
    notes.push('--no-build: antistrophe was measured from ./dist as last built.');
    return consumerDir();
  }
  log('building the library (vite, the project config) into a private package');
  try {
    return await buildPrivatePackage();
  } catch (e) {
    opts.src = true;
    notes.push(`the library build failed (${String(e.message ?? e).split('\n')[0]}): antistrophe was bundled from its sources (--src).`);
    log('build failed: bundling antistrophe from its sources instead');
    return undefined;
  }
}

function ensureServers() {
  log('starting the local Prosody (e2e/servers/start.sh)');
  const res = spawnSync('bash', [join(root, 'e2e/servers/start.sh')], { cwd: root, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`e2e/servers/start.sh failed:\n${(res.stdout + res.stderr).slice(-2000)}`);
  return JSON.parse(readFileSync('/tmp/antistrophe-e2e/env.json', 'utf8'));
}

async function main() {
  const env = ensureServers();
  const appDir = await libraryUnderTest();
  const results = { mode: opts.quick ? 'quick' : 'full', fromSource: opts.src, notes };
  if (opts.srcRoot) notes.push(`antistrophe was bundled from the sources in ${opts.srcRoot} (--root), not from this checkout.`);
  const frames = buildCorpus();
  results.corpus = describeCorpus(frames);

  if (opts.only.has('size')) {
    log('bundle sizes');
    results.sizes = await measureSizes({ src: opts.src, appDir });
  }

  const browserSections = ['online', 'client', 'server', 'parse', 'scram'].filter((s) => opts.only.has(s));
  let chromium = 'not started';
  if (browserSections.length || opts.profile) {
    const echo = await startEchoServer();
    const server = await servePages({ src: opts.src, readable: opts.profile, plugins: appDir ? [appPlugin(appDir)] : [] });
    if (opts.profile) notes.push('--profile: pages were bundled without minification so that profiles name functions.');
    const browser = await launch();
    chromium = browser.version();
    log(`Chromium ${chromium}; pages on ${server.origin}; echo server on ${echo.url}`);
    try {
      results.browser = await runBrowserSuite({ browser, server, env, echoUrl: echo.url, frames, opts, log });
    } finally {
      await browser.close();
      await server.close();
      await echo.close();
    }
  }

  if (opts.only.has('memory')) {
    log(`Node memory: ${opts.n.memoryConnections} connections × ${opts.reps.memory} reps`);
    try {
      results.memory = await measureMemory({ service: env.prosody.websocket.ws, count: opts.n.memoryConnections, reps: opts.reps.memory, src: opts.src, appDir, log });
    } catch (e) {
      results.memory = { error: String(e.message ?? e) };
    }
  }

  if (opts.only.has('soak')) {
    log(`soak: ${opts.n.soak} messages on one connection with stream management, heap every ${opts.n.soakEvery}`);
    const t0 = Date.now();
    results.soak = await measureSoak({ env, total: opts.n.soak, every: opts.n.soakEvery, src: opts.src, appDir, plugins: appDir ? [appPlugin(appDir)] : [], log });
    results.soak.wallSeconds = (Date.now() - t0) / 1000;
    if (chromium === 'not started' && results.soak.browser?.chromium) chromium = results.soak.browser.chromium;
    log(`soak: ${results.soak.wallSeconds.toFixed(1)} s`);
  }

  results.machine = machineInfo({ chromium, prosody: env.prosody.version, loadStart });
  results.seconds = (Date.now() - started) / 1000;
  const md = renderReport(results);
  // the published table is the full run's; quick runs (and --root/--src runs) go to bench/out/
  const published = !opts.quick && !opts.srcRoot && opts.only.size === SECTIONS.length;
  mkdirSync(OUT_DIR, { recursive: true });
  const out = published ? new URL('./results', import.meta.url).pathname : `${OUT_DIR}results-${opts.quick ? 'quick' : 'partial'}`;
  writeFileSync(`${out}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${out}.md`, md);
  console.log(md);
  log(`done in ${results.seconds.toFixed(0)} s: ${out}.md`);
}

if (process.argv.includes('--render')) {
  // re-renders bench/results.md from bench/results.json (after a change to the report, without measuring again)
  const base = new URL('./results', import.meta.url).pathname;
  const md = renderReport(JSON.parse(readFileSync(`${base}.json`, 'utf8')));
  writeFileSync(`${base}.md`, md);
  console.log(md);
} else {
  try {
    await main();
  } finally {
    removeTemporaryDirs();
  }
}
