// Child process of the memory benchmark: opens `count` idle connections to Prosody over `ws` with one library
// and prints the V8 heap growth per connection after full garbage collections, as one JSON line.
// node --expose-gc bench/node-memory.mjs <antistrophe|xmppjs> <count> <ws-url> <PLAIN|SCRAM-SHA-1> [--src]
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { resolveInApp } from './build.mjs';

const [lib, countArg, service, mechanism = 'PLAIN'] = process.argv.slice(2);
const count = Number(countArg);
const fromSource = process.argv.includes('--src');
const USERS = [
  ['alice', 'alicepass'],
  ['bob', 'bobpass'],
  ['carol', 'carolpass'],
  ['dave', 'davepass'],
];
const BATCH = 10;
const WARM = 20;

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

async function settle() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(50);
  }
}

async function antistrophe() {
  const srcRoot = process.env.BENCH_SRC_ROOT;
  const app = process.env.BENCH_APP_DIR;
  const path = (sub, src) => {
    if (srcRoot) return `${srcRoot}/${src}`;
    if (fromSource) return new URL(`../${src}`, import.meta.url).href;
    return app ? pathToFileURL(resolveInApp(app, `antistrophe/${sub}`)).href : `antistrophe/${sub}`;
  };
  const { Connection } = await import(path('core', 'src/core.ts'));
  const { WebSocketTransport } = await import(path('websocket', 'src/transport/websocket.ts'));
  const { Plain } = await import(path('mechanisms/plain', 'mechanisms/plain.ts'));
  const { ScramSha1 } = await import(path('mechanisms/scram', 'mechanisms/scram.ts'));
  const mech = mechanism === 'PLAIN' ? Plain : ScramSha1;
  return {
    async open(user, pass, resource) {
      const conn = new Connection(service, { transports: [WebSocketTransport], mechanisms: [mech], WebSocket });
      await conn.connect(`${user}@localhost/${resource}`, pass);
      return conn;
    },
    close: (conn) => conn.disconnect(),
  };
}

async function xmppjs() {
  // @xmpp/websocket uses the global WebSocket, which Node 20 does not have: give it the same `ws`
  globalThis.WebSocket = WebSocket;
  const { client } = await import('@xmpp/client');
  return {
    async open(user, pass, resource) {
      // @xmpp/client's SCRAM-SHA-1 in Node spends ~0.7 s of CPU per login: the comparison uses PLAIN
      const credentials = (authenticate) => authenticate({ username: user, password: pass }, mechanism);
      const x = client({ service, domain: 'localhost', resource, credentials });
      x.on('error', () => {});
      await x.start();
      return x;
    },
    close: (x) => x.stop(),
  };
}

const impl = lib === 'antistrophe' ? await antistrophe() : await xmppjs();
// a batch of logins first, so code compiled (and optimized) on first use is in the baseline, not in the delta;
// they stay open: closed ones would still be releasing memory (socket close timers) while the baseline is taken
const warm = await Promise.all(Array.from({ length: WARM }, (_, j) => impl.open(...USERS[j % USERS.length], `mem-${lib}-${process.pid}-warm${j}`)));
await sleep(300);
await settle();
const before = process.memoryUsage();
const conns = [];
const t0 = performance.now();
for (let i = 0; i < count; i += BATCH) {
  const batch = [];
  for (let j = i; j < Math.min(count, i + BATCH); j++) {
    const [user, pass] = USERS[j % USERS.length];
    batch.push(impl.open(user, pass, `mem-${lib}-${process.pid}-${j}`));
  }
  conns.push(...(await Promise.all(batch)));
}
const loginSeconds = (performance.now() - t0) / 1000;
await sleep(1500); // idle: nothing pending
await settle();
const after = process.memoryUsage();
const per = (key) => (after[key] - before[key]) / count;
console.log(
  JSON.stringify({
    lib,
    count,
    mechanism,
    heapPerConnection: per('heapUsed'),
    externalPerConnection: per('external'),
    rssPerConnection: per('rss'),
    loginSeconds,
  }),
);
await Promise.all([...warm, ...conns].map((c) => impl.close(c).catch(() => {})));
process.exit(0);
