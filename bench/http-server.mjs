// Serves the bench pages from memory (bundles built by the runner) and the sax-wasm binary, on 127.0.0.1.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const TYPES = { html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', wasm: 'application/wasm' };

/** Where the sax-wasm binary is (the one the `antistrophe/parser/sax-wasm` backend loads). */
export function saxWasmPath() {
  return createRequire(import.meta.url).resolve('sax-wasm/lib/sax-wasm.wasm');
}

export function saxWasmBytes() {
  return readFileSync(saxWasmPath());
}

/** Starts the server; `files` maps URL paths to strings or buffers. Resolves with its port and close(). */
export function startHttpServer(files) {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = files.get(path);
    if (body === undefined) return res.writeHead(404).end('not found');
    res.writeHead(200, { 'Content-Type': TYPES[path.split('.').pop()] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    res.end(body);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, close: () => new Promise((r) => server.close(r)) }));
  });
}

/** The HTML page that loads one library's bench bundle. */
export function pageHtml(name) {
  return `<!doctype html><meta charset="utf-8"><title>bench ${name}</title><script type="module" src="/${name}.js"></script>`;
}
