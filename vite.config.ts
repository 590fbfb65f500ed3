// Library build (ESM, one entry per public subpath) and the dev server for the examples.
import { copyFileSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

const root = import.meta.dirname;

/** Public subpaths → source entry. Keep in step with package.json "exports". */
export const entries: Record<string, string> = {
  index: 'src/index.ts',
  core: 'src/core.ts',
  websocket: 'src/transport/websocket.ts',
  bosh: 'src/transport/bosh.ts',
  sessions: 'src/sessions.ts',
  'mechanisms/index': 'mechanisms/index.ts',
  'mechanisms/plain': 'mechanisms/plain.ts',
  'mechanisms/anonymous': 'mechanisms/anonymous.ts',
  'mechanisms/external': 'mechanisms/external.ts',
  'mechanisms/scram': 'mechanisms/scram.ts',
  'mechanisms/digest-md5': 'mechanisms/digest-md5.ts',
  'mechanisms/oauthbearer': 'mechanisms/oauthbearer.ts',
  'mechanisms/x-oauth2': 'mechanisms/x-oauth2.ts',
  'parser/sax-wasm': 'src/xml/sax-wasm-parser.ts',
  'xep-0257': 'src/xep-0257/index.ts',
  xmppjs: 'src/bridge/xmppjs.ts',
};

/** Ships the sax-wasm binary beside its entry, so the JS and the wasm always come from the same version. */
const shipSaxWasm = {
  name: 'ship-sax-wasm',
  closeBundle() {
    mkdirSync(resolve(root, 'dist/parser'), { recursive: true });
    copyFileSync(resolve(root, 'node_modules/sax-wasm/lib/sax-wasm.wasm'), resolve(root, 'dist/parser/sax-wasm.wasm'));
  },
};

export default defineConfig(({ command }) => ({
  plugins: command === 'build' ? [shipSaxWasm] : [],
  // relative asset URLs so the sax-wasm binary resolves next to the built module wherever it is served
  base: './',
  root: command === 'serve' ? resolve(root, 'examples') : root,
  server: { host: '127.0.0.1', port: Number(process.env.DEMO_PORT ?? 5173), strictPort: false },
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    sourcemap: true,
    minify: false,
    target: 'es2022',
    lib: {
      entry: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, resolve(root, file)])),
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    // dependencies are bundled: @noble/hashes only into the lazily loaded insecure-context chunk,
    // sax-wasm only into its own opt-in entry, so the default entries stay small
    rollupOptions: {
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
}));
