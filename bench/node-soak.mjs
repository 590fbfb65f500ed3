// Child process of the soak benchmark: the loop of bench/pages/soak-loop.js in Node, over the `ws` package, with
// heapUsed read after forced garbage collections every `every` messages. Prints one JSON line.
// node --expose-gc bench/node-soak.mjs <ws-url> <resource> <total> <every> <window> [--src]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { resolveInApp } from './build.mjs';
import { createSoak } from './pages/soak-loop.js';

const [service, resource, total, every, inFlight] = process.argv.slice(2).map((a, i) => (i >= 2 ? Number(a) : a));
// the password from the e2e servers' description rather than the command line, where an error message would show it
const password = JSON.parse(readFileSync('/tmp/antistrophe-e2e/env.json', 'utf8')).prosody.hosts.localhost.users.alice;
const fromSource = process.argv.includes('--src');

if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc');

/** The library as the memory child imports it: the private build (BENCH_APP_DIR), --src or another checkout. */
function at(sub, src) {
  const srcRoot = process.env.BENCH_SRC_ROOT;
  const app = process.env.BENCH_APP_DIR;
  if (srcRoot) return `${srcRoot}/${src}`;
  if (fromSource) return new URL(`../${src}`, import.meta.url).href;
  return app ? pathToFileURL(resolveInApp(app, `antistrophe/${sub}`)).href : `antistrophe/${sub}`;
}

async function heapUsed() {
  // several rounds: one full GC can leave what a finalizer or a weak collection frees only on the next
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

const { $msg, Connection } = await import(at('core', 'src/core.ts'));
const { WebSocketTransport } = await import(at('websocket', 'src/transport/websocket.ts'));
const { Plain } = await import(at('mechanisms/plain', 'mechanisms/plain.ts'));
const { sessionKeeper } = await import(at('sessions', 'src/sessions.ts'));

const soak = createSoak({ Connection, $msg, transports: [WebSocketTransport], mechanisms: [Plain], modules: { keeper: sessionKeeper }, WebSocket });
const session = await soak.open({ service, jid: `alice@localhost/${resource}`, password });
const samples = [{ messages: 0, heap: await heapUsed() }];
const runs = [];
for (let done = 0; done < total; done += every) {
  const run = await soak.run(Math.min(every, total - done), inFlight);
  runs.push(run);
  samples.push({ messages: run.sent, heap: await heapUsed() });
  process.stderr.write(`node soak ${run.sent}: ${(samples.at(-1).heap / 1024).toFixed(0)} KiB\n`);
}
await soak.close();
console.log(JSON.stringify({ session, samples, runs }));
process.exit(0);
