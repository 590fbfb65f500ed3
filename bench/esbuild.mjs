// esbuild for the browser exactly as scripts/check-bundle.mjs does it, plus the two resolution aids the bench needs:
// the "browser": false entries of @xmpp/* packages honored with an explicit ".js", and antistrophe from source.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

export const root = resolve(import.meta.dirname, '..');

/**
 * esbuild honors `"browser": { "./lib/dns": false }` only for an import written `./lib/dns`; @xmpp/resolve
 * imports `./lib/dns.js` (which imports `node:dns`). This resolves a relative import to an empty module when
 * the importing package's browser map says `false` for it with or without its extension, as bundlers that
 * implement the browser-field spec do. Nothing else changes; bare specifiers (`"@xmpp/tcp": false`) esbuild
 * already maps itself.
 */
export const browserFalsePlugin = {
  name: 'browser-false-with-extension',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const pkgDir = packageDir(args.resolveDir);
      if (!pkgDir) return undefined;
      const browser = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).browser;
      if (!browser || typeof browser !== 'object') return undefined;
      const rel = `./${relative(pkgDir, join(args.resolveDir, args.path))}`;
      const bare = rel.replace(/\.(m?js|cjs)$/, '');
      if (browser[rel] === false || browser[bare] === false) return { path: rel, namespace: 'browser-false' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'browser-false' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

function packageDir(dir) {
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
  }
  return undefined;
}

/**
 * Public subpath → source entry, read from the library build's entry table and package.json "exports";
 * `srcRoot` points the entries at another checkout's sources (to measure a change before it lands).
 */
export function sourceEntries(srcRoot = root) {
  const vite = readFileSync(join(root, 'vite.config.ts'), 'utf8');
  const table = vite.slice(vite.indexOf('entries'), vite.indexOf('};', vite.indexOf('entries')));
  const byDist = new Map([...table.matchAll(/^\s*'?([\w/.-]+)'?:\s*'([^']+\.ts)'/gm)].map((m) => [m[1], m[2]]));
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = new Map();
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    const file = typeof target === 'string' ? target : target.import;
    const name = /^\.\/dist\/(.+)\.js$/.exec(file ?? '')?.[1];
    const src = name && byDist.get(name);
    if (src) out.set(subpath === '.' ? 'antistrophe' : `antistrophe/${subpath.slice(2)}`, join(srcRoot, src));
  }
  return out;
}

/** Resolves `antistrophe` and its subpaths to the TypeScript sources (for `--src`, `--root`). */
export function sourcePlugin(srcRoot = process.env.BENCH_SRC_ROOT || root) {
  const entries = sourceEntries(srcRoot);
  return {
    name: 'antistrophe-from-source',
    setup(b) {
      b.onResolve({ filter: /^antistrophe(\/.*)?$/ }, (args) => {
        const path = entries.get(args.path);
        if (!path) return { errors: [{ text: `no source entry for ${args.path}` }] };
        return { path };
      });
    },
  };
}

/** The options of scripts/check-bundle.mjs `bundleSize` (esbuild --bundle --splitting --minify --format=esm --platform=browser). */
export const SIZE_OPTIONS = { bundle: true, splitting: true, minify: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' };

/**
 * Size of `source` bundled with SIZE_OPTIONS from `dir`: `min`/`gz` of the entry chunk (what a page loads up
 * front), `lazyGz` of the chunks loaded on demand, and the modules of the entry chunk by bytes.
 */
export async function sizeOf(source, dir, plugins = []) {
  const out = await build({
    ...SIZE_OPTIONS,
    metafile: true,
    stdin: { contents: source, resolveDir: dir, loader: 'js', sourcefile: 'entry.mjs' },
    outdir: join(dir, 'bench-size-out'),
    absWorkingDir: dir,
    plugins,
  });
  const gz = (text) => gzipSync(text, { level: 9 }).length;
  const entryPath = Object.entries(out.metafile.outputs).find(([, o]) => o.entryPoint)?.[0];
  const main = out.outputFiles.find((f) => f.path === join(dir, entryPath)) ?? out.outputFiles[0];
  const lazy = out.outputFiles.filter((f) => f !== main && f.path.endsWith('.js'));
  const contributors = Object.entries(out.metafile.outputs[entryPath]?.inputs ?? {})
    .map(([file, v]) => ({ file: file.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, ''), bytes: v.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { code: main.text, min: main.text.length, gz: gz(main.text), lazyGz: lazy.reduce((n, f) => n + gz(f.text), 0), contributors };
}

/**
 * Bundles one bench page entry for the browser (minified like the size bundles unless `readable`), with
 * antistrophe from its sources (`src`) or as the app in `appDir` resolves it (`appPlugin`).
 */
export async function bundlePage(entry, { src = false, readable = false, plugins = [] } = {}) {
  const out = await build({
    entryPoints: [entry],
    bundle: true,
    minify: !readable,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    absWorkingDir: root,
    logLevel: 'silent',
    plugins: [browserFalsePlugin, ...(src ? [sourcePlugin()] : plugins)],
  });
  return out.outputFiles[0].text;
}
