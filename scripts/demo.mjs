// `npm run demo`: starts the local Prosody/ejabberd (unless DEMO_SERVICE points at an existing server) and a
// vite dev server with the examples, then prints the URL and the demo credentials.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { createServer } from 'vite';

const root = resolve(import.meta.dirname, '..');
let service = process.env.DEMO_SERVICE;
let jid = process.env.DEMO_JID ?? 'alice@localhost';
let creds = 'alice/alicepass and bob/bobpass on localhost (Prosody) and ej.localhost (ejabberd, ws://127.0.0.1:15480/ws); anon.localhost for ANONYMOUS';

if (!service) {
  console.log('starting the local XMPP servers (e2e/servers/start.sh; installs Debian packages when missing, as root)…');
  const r = spawnSync('bash', [resolve(root, 'e2e/servers/start.sh')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('\nCould not start the local servers. On Debian run this as root; elsewhere install Prosody (>= 0.12) yourself,');
    console.error('or point the demo at an existing server: DEMO_SERVICE=wss://chat.example/xmpp-websocket DEMO_JID=you@chat.example npm run demo');
    process.exit(1);
  }
  service = 'ws://127.0.0.1:15280/xmpp-websocket';
} else {
  creds = 'your own account on that server';
  jid = process.env.DEMO_JID ?? '';
}

const server = await createServer({ configFile: resolve(root, 'vite.config.ts'), root: resolve(root, 'examples') });
await server.listen();
const base = server.resolvedUrls?.local[0] ?? 'http://127.0.0.1:5173/';
const url = `${base}chat/?service=${encodeURIComponent(service)}&jid=${encodeURIComponent(jid)}`;
console.log(`\nantistrophe demo\n  chat:        ${url}\n  examples:    ${base}\n  service:     ${service}\n  credentials: ${creds}\n  (BOSH: http://127.0.0.1:15280/http-bind; Ctrl-C stops the dev server; npm run e2e:stop stops the XMPP servers)\n`);
