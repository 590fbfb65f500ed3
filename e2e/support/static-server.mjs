// Serves the built library (dist/), the e2e pages and the examples to the browser under test, from one origin.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const port = Number(process.env.E2E_PAGE_PORT ?? 18080);
const types = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.map': 'application/json', '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json' };
const mounts = [['/dist/', 'dist'], ['/built-examples/', 'dist-examples'], ['/examples/', 'examples'], ['/', 'e2e/pages']];

const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const [prefix, dir] = mounts.find(([p]) => path.startsWith(p));
  let file = normalize(join(root, dir, path.slice(prefix.length)));
  if (!file.startsWith(join(root, dir))) return res.writeHead(403).end();
  if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
  if (!existsSync(file)) return res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
  createReadStream(file).pipe(res);
});
server.on('error', (e) => {
  const why = e.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is taken by another process: stop it, or set E2E_PAGE_PORT to a free port` : e.message;
  console.error(`e2e static server: ${why}`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => console.log(`e2e pages on http://localhost:${port}/`));
