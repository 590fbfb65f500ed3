// Bundles the built library the way apps do (plain esbuild for the browser, and vite) and fails on any Node
// builtin import or Buffer/process reference; then enforces the gzip size budgets of the two reference bundles.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// `Buffer`/`process` as free identifiers (a method such as `this.process(` is not a Node global)
const NODEISMS = [/\bfrom\s*["']node:/, /\bimport\(\s*["']node:/, /\brequire\(\s*["'](node:)?(fs|net|tls|dns|crypto|buffer|events|stream)["']/, /(?<![.\w$])Buffer\s*[.([]/, /(?<![.\w$])process\s*[.[]/];
const failures = [];

/**
 * Reference bundles: (a) WebSocket + SCRAM-SHA-1 + PLAIN through the core entry, (b) the full default Connection.
 * The targets are 12 KiB and 18 KiB gz. The hardening of the security review (RFC 7622 JIDs, redaction both ways,
 * linear XML with a depth limit and checked names, option checks, per-account BOSH storage) and the session
 * features (stream management, reconnect: the wiring to their lazily loaded keeper) cost about 7 KiB in each, the
 * session features about 2 KiB of it, itemised in the README ("Size and speed"). Measured up front: (a) 19,579 B
 * and (b) 25,350 B gz (the raw-text redaction for rawInput loads on demand). The budgets hold those sizes rounded
 * up to the next quarter KiB, so that nothing grows unnoticed.
 */
export const BUDGETS = {
  a: {
    label: 'WebSocket + SCRAM-SHA-1 + PLAIN',
    limit: 19.25 * 1024, // target 12 KiB (see README "Size and speed")
    source: `import { Connection } from 'antistrophe/core';
import { WebSocketTransport } from 'antistrophe/websocket';
import { ScramSha1 } from 'antistrophe/mechanisms/scram';
import { Plain } from 'antistrophe/mechanisms/plain';
export const conn = new Connection('wss://example.org/ws', { transports: [WebSocketTransport], mechanisms: [ScramSha1, Plain] });`,
  },
  b: {
    label: 'full default set (WebSocket, BOSH, every mechanism)',
    limit: 25 * 1024, // target 18 KiB (see README "Size and speed")
    source: `import { Connection } from 'antistrophe';
export const conn = new Connection('wss://example.org/ws');`,
  },
};

/**
 * esbuild, minified, for the browser (`esbuild --bundle --splitting --platform=browser --format=esm --minify`).
 * `gz` is what an app loads up front: the entry chunk and every chunk it imports statically (code shared with a
 * lazy chunk is split out of the entry but still loaded with it); `lazyGz` the chunks reached only through
 * `import()` (the SCRAM fallback for insecure contexts, SASLprep's Unicode tables, the DIGEST-MD5 exchange).
 * Without --splitting esbuild would inline those lazy chunks into the entry.
 */
export async function bundleSize(source, dir = consumerDir()) {
  const entry = join(dir, 'entry.mjs');
  writeFileSync(entry, source);
  const out = await esbuild({
    entryPoints: [entry],
    bundle: true,
    splitting: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    outdir: join(dir, 'out'),
    write: false,
    metafile: true,
    absWorkingDir: dir,
    logLevel: 'silent',
  });
  // metafile paths are relative to absWorkingDir; output files carry absolute paths
  const meta = out.metafile.outputs;
  const realDir = realpathSync(dir);
  const key = (file) => relative(realDir, file.path);
  const upFront = new Set();
  const visit = (path) => {
    if (upFront.has(path)) return;
    upFront.add(path);
    for (const imp of meta[path]?.imports ?? []) if (imp.kind === 'import-statement') visit(imp.path);
  };
  // lazy chunks are entry points too (of their import()): the app's entry is the one made from entry.mjs
  const entryChunk = Object.keys(meta).find((p) => meta[p].entryPoint === 'entry.mjs');
  if (!entryChunk) throw new Error('bundleSize: esbuild produced no chunk for entry.mjs');
  visit(entryChunk);
  const gz = (text) => gzipSync(text, { level: 9 }).length;
  const files = out.outputFiles.filter((f) => f.path.endsWith('.js'));
  const front = files.filter((f) => upFront.has(key(f)));
  const lazy = files.filter((f) => !upFront.has(key(f)));
  if (front.length !== upFront.size) throw new Error(`bundleSize: ${upFront.size} chunks load up front but ${front.length} were matched`);
  return {
    code: files.map((f) => f.text).join('\n'),
    min: front.reduce((n, f) => n + f.text.length, 0),
    // chunks are separate requests, each compressed on its own
    gz: front.reduce((n, f) => n + gz(f.text), 0),
    lazyGz: lazy.reduce((n, f) => n + gz(f.text), 0),
    /** Chunks loaded up front: 1 unless a lazy chunk shares a module with the entry (esbuild then splits it out). */
    upFrontChunks: front.length,
  };
}

/** A temporary app directory where `antistrophe` resolves to this package through its "exports" map. */
export function consumerDir() {
  // the real path: esbuild's metafile names outputs relative to it, and a symlinked temp dir (macOS) would not match
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'antistrophe-consumer-')));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'antistrophe'), 'dir');
  return dir;
}

function checkNodeisms(name, code) {
  for (const re of NODEISMS) {
    const m = re.exec(code);
    if (m) failures.push(`${name}: bundle references ${m[0]} (${code.slice(Math.max(0, m.index - 60), m.index + 40).replace(/\s+/g, ' ')})`);
  }
}

async function main() {
  const dir = consumerDir();
  try {
    // 1. every public subpath through plain esbuild for the browser
    for (const subpath of Object.keys(pkg.exports).filter((k) => !/\.(json|wasm)$/.test(k))) {
      const spec = subpath === '.' ? 'antistrophe' : `antistrophe/${subpath.slice(2)}`;
      try {
        const { code } = await bundleSize(`export * from '${spec}';`, dir);
        checkNodeisms(`esbuild ${spec}`, code);
      } catch (e) {
        failures.push(`esbuild ${spec}: ${e.message}`);
      }
    }
    // 2. a small app through vite (production build, no polyfills, no Node builtins)
    const app = join(dir, 'app');
    rmSync(app, { recursive: true, force: true });
    writeFileSync(join(dir, 'main.js'), `import { Connection, $msg } from 'antistrophe';\nimport { ScramSha256 } from 'antistrophe/mechanisms/scram';\nconst c = new Connection('wss://example.org/ws', { mechanisms: [ScramSha256] });\nc.connect('a@example.org', 'p').catch(() => {});\nexport { $msg };\n`);
    writeFileSync(join(dir, 'index.html'), `<!doctype html><script type="module" src="./main.js"></script>`);
    const result = await viteBuild({
      root: dir,
      configFile: false,
      logLevel: 'silent',
      build: { outDir: app, write: false, minify: true },
    });
    const outputs = (Array.isArray(result) ? result : [result]).flatMap((r) => r.output);
    for (const o of outputs) if (o.type === 'chunk') checkNodeisms(`vite ${o.fileName}`, o.code);
    // 3. size budgets
    for (const [key, b] of Object.entries(BUDGETS)) {
      const { gz, min, lazyGz, upFrontChunks } = await bundleSize(b.source, dir);
      // a lazy module importing core code makes esbuild load a shared chunk up front (src/keeper/core-kit.ts)
      if (upFrontChunks !== 1) failures.push(`bundle (${key}) loads ${upFrontChunks} chunks up front: a lazy module imports code of the entry`);
      const ok = gz <= b.limit;
      console.log(
        `bundle (${key}) ${b.label}: ${(min / 1024).toFixed(1)} KiB min, ${(gz / 1024).toFixed(2)} KiB min+gz (budget ${(b.limit / 1024).toFixed(b.limit % 1024 ? 2 : 0)} KiB) ${ok ? 'ok' : 'OVER'}; loaded on demand: ${(lazyGz / 1024).toFixed(2)} KiB gz`,
      );
      if (!ok) failures.push(`bundle (${key}) is ${gz} B gz, over its ${b.limit} B budget`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (failures.length) {
    console.error(`bundle check failed:\n  ${failures.join('\n  ')}`);
    process.exit(1);
  }
  console.log('bundle check: no Node builtins, Buffer or process in any public entry (esbuild and vite)');
}

if (process.argv[1] === import.meta.filename) await main();
