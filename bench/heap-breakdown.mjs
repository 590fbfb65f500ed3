// Where the heap of idle connections goes: opens N connections with one library (or bare `ws` sockets doing the
// same login by hand), takes V8 heap snapshots before and after, and lists the constructors that grew, per connection.
// node --expose-gc [--import tsx] bench/heap-breakdown.mjs <antistrophe|xmppjs|raw> [count] [--src | --root=DIR]
import { writeHeapSnapshot } from 'node:v8';
import { readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';

const [lib = 'antistrophe', countArg = '100'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const count = Number(countArg);
const src = process.argv.includes('--src');
// --root=DIR: import the sources from another checkout (to measure a change before it lands)
const srcRoot = process.argv.find((a) => a.startsWith('--root='))?.slice(7);
const service = JSON.parse(readFileSync('/tmp/antistrophe-e2e/env.json', 'utf8')).prosody.websocket.ws;
const USERS = [['alice', 'alicepass'], ['bob', 'bobpass'], ['carol', 'carolpass'], ['dave', 'davepass']];

/** A login by hand over `ws`: the floor any library on `ws` starts from. */
function rawLogin(user, pass, resource) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(service, 'xmpp');
    const open = '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>';
    let step = 0;
    ws.on('open', () => ws.send(open));
    ws.on('error', reject);
    ws.on('message', (d) => {
      const s = d.toString();
      if (step === 0 && s.includes('<mechanisms')) {
        step = 1;
        ws.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from(`\0${user}\0${pass}`).toString('base64')}</auth>`);
      } else if (step === 1 && s.includes('<success')) {
        step = 2;
        ws.send(open);
      } else if (step === 2 && s.includes('<bind')) {
        step = 3;
        ws.send(`<iq type="set" id="b" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>${resource}</resource></bind></iq>`);
      } else if (step === 3 && s.includes('<jid>')) {
        step = 4;
        resolve(ws);
      }
    });
  });
}

async function opener() {
  if (lib === 'raw') return rawLogin;
  if (lib === 'xmppjs') {
    globalThis.WebSocket = WebSocket;
    const { client } = await import('@xmpp/client');
    return async (user, pass, resource) => {
      const x = client({ service, domain: 'localhost', resource, credentials: (auth) => auth({ username: user, password: pass }, 'PLAIN') });
      x.on('error', () => {});
      await x.start();
      return x;
    };
  }
  const at = (sub, file) => (srcRoot ? `${srcRoot}/${file}` : src ? new URL(`../${file}`, import.meta.url).href : `antistrophe/${sub}`);
  const { Connection } = await import(at('core', 'src/core.ts'));
  const { WebSocketTransport } = await import(at('websocket', 'src/transport/websocket.ts'));
  const { Plain } = await import(at('mechanisms/plain', 'mechanisms/plain.ts'));
  return async (user, pass, resource) => {
    const c = new Connection(service, { transports: [WebSocketTransport], mechanisms: [Plain], WebSocket });
    await c.connect(`${user}@localhost/${resource}`, pass);
    return c;
  };
}

function constructorSizes(file) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  rmSync(file);
  const f = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const [iType, iName, iSize] = ['type', 'name', 'self_size'].map((k) => f.indexOf(k));
  const sizes = new Map();
  for (let i = 0; i < snap.nodes.length; i += f.length) {
    const type = types[snap.nodes[i + iType]];
    const name = type === 'object' || type === 'closure' ? snap.strings[snap.nodes[i + iName]] : `(${type})`;
    const key = type === 'closure' ? `closure ${name}` : name;
    const e = sizes.get(key) ?? { bytes: 0, n: 0 };
    e.bytes += snap.nodes[i + iSize];
    e.n++;
    sizes.set(key, e);
  }
  return sizes;
}

/** GCs, reads heapUsed, then writes a snapshot file (read only at the end, so parsing it cannot skew heapUsed). */
async function snapshot() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(50);
  }
  const heapUsed = process.memoryUsage().heapUsed;
  return { heapUsed, file: writeHeapSnapshot() };
}

const open = await opener();
// warm-up logins so that compiled code is in the baseline, as in node-memory.mjs
for (let j = 0; j < 20; j++) await open(...USERS[j % 4], `heap-warm-${process.pid}-${j}`);
const first = await snapshot();
const keep = [];
for (let i = 0; i < count; i += 10) {
  const batch = [];
  for (let j = i; j < Math.min(count, i + 10); j++) batch.push(open(...USERS[j % 4], `heap-${lib}-${process.pid}-${j}`));
  keep.push(...(await Promise.all(batch)));
}
await sleep(1500);
const second = await snapshot();
const [heapBefore, heapAfter] = [first.heapUsed, second.heapUsed];
const before = constructorSizes(first.file);
const after = constructorSizes(second.file);
const rows = [...after.entries()]
  .map(([k, v]) => ({ k, bytes: v.bytes - (before.get(k)?.bytes ?? 0), n: v.n - (before.get(k)?.n ?? 0) }))
  .filter((r) => r.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes);
const total = rows.reduce((s, r) => s + r.bytes, 0);
console.log(`${lib}: heapUsed +${((heapAfter - heapBefore) / count / 1024).toFixed(2)} KiB per connection; snapshot self sizes +${(total / count / 1024).toFixed(2)} KiB per connection`);
for (const r of rows.slice(0, 30)) console.log(`${(r.bytes / count).toFixed(0).padStart(7)} B  ${(r.n / count).toFixed(1).padStart(6)} objs  ${r.k}`);
process.exit(0);
