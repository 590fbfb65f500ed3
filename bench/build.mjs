// A private build of the library for one bench run: vite with the project's own config, into a temporary
// package (package.json + dist/) that a temporary app directory resolves as `antistrophe` through its "exports".
// The run measures one consistent build and neither disturbs nor is disturbed by builds into ./dist.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, loadConfigFromFile } from 'vite';
import { root } from './esbuild.mjs';
import { saxWasmPath } from './http-server.mjs';

const created = [];

/** Removes the temporary package and app directories of this process. */
export function removeTemporaryDirs() {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Builds into a temporary package; returns the app directory whose node_modules/antistrophe is that package. */
export async function buildPrivatePackage() {
  const pkgDir = mkdtempSync(join(tmpdir(), 'antistrophe-bench-pkg-'));
  created.push(pkgDir);
  const { config } = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(root, 'vite.config.ts'), root, 'silent');
  await build({
    ...config,
    configFile: false,
    root,
    logLevel: 'silent',
    // the config's own post-build step copies the wasm into ./dist; here it goes into the private package
    plugins: (config.plugins ?? []).filter((p) => p?.name !== 'ship-sax-wasm'),
    build: { ...config.build, outDir: join(pkgDir, 'dist'), emptyOutDir: true },
  });
  mkdirSync(join(pkgDir, 'dist/parser'), { recursive: true });
  copyFileSync(saxWasmPath(), join(pkgDir, 'dist/parser/sax-wasm.wasm'));
  copyFileSync(join(root, 'package.json'), join(pkgDir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(pkgDir, 'node_modules'), 'dir');
  const app = mkdtempSync(join(tmpdir(), 'antistrophe-bench-app-'));
  created.push(app);
  mkdirSync(join(app, 'node_modules'));
  symlinkSync(pkgDir, join(app, 'node_modules', 'antistrophe'), 'dir');
  return app;
}

/** Resolves `antistrophe` and its subpaths as an app in `appDir` would (its package's "exports"). */
export function appPlugin(appDir) {
  return {
    name: 'antistrophe-from-app',
    setup(b) {
      b.onResolve({ filter: /^antistrophe(\/.*)?$/ }, (args) => {
        if (args.pluginData?.fromApp) return undefined;
        return b.resolve(args.path, { kind: args.kind, resolveDir: appDir, pluginData: { fromApp: true } });
      });
    },
  };
}

/** The file an app in `appDir` gets for `specifier` (for Node: the memory benchmark imports it). */
export function resolveInApp(appDir, specifier) {
  return createRequire(join(appDir, 'app.js')).resolve(specifier);
}
