// Builds the example pages with vite (as an app would) into dist-examples/, served at /built-examples/.
import { resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '../..');
let built: Promise<void> | undefined;

/** Builds once per worker. */
export function buildExamples(): Promise<void> {
  built ??= build({
    root: resolve(root, 'examples'),
    configFile: false,
    base: './',
    logLevel: 'warn',
    build: {
      outDir: resolve(root, 'dist-examples'),
      emptyOutDir: false,
      rollupOptions: {
        input: {
          chat: resolve(root, 'examples/chat/index.html'),
          custom: resolve(root, 'examples/custom-mechanism/index.html'),
          cert: resolve(root, 'examples/client-certificate/index.html'),
        },
      },
    },
  }).then(() => undefined);
  return built;
}
