// The mutating wire between the scripted server and the client: a WebSocket whose server frames, and a fetch whose
// BOSH answers, pass through a Mutator that applies a case's planned mutations at the planned moments.
import type { ConnectionOptions } from '../../src/options.js';
import type { WebSocketConstructor } from '../../src/transport/transport.js';
import { FakeBosh } from '../helpers/fake-bosh.js';
import { FakeServer, type FakeSocket } from '../helpers/fake-websocket.js';
import type { Deliver } from './bosh-endpoint.js';
import type { Payload } from './frame-mutations.js';
import type { FuzzServer } from './fuzz-server.js';
import type { Mutator } from './mutator.js';

/** Frames held back for the next one: appended after it, or glued to its front. */
function release(held: Payload[], merge: boolean, next: Payload[]): Payload[] {
  const last = held[held.length - 1];
  const first = next[0];
  if (merge && typeof last === 'string' && typeof first === 'string') return [...held.slice(0, -1), last + first, ...next.slice(1)];
  return [...next, ...held];
}

function mutatingWebSocket(base: WebSocketConstructor, m: Mutator): WebSocketConstructor {
  return class {
    constructor(url: string, protocols?: string | string[]) {
      m.newEpoch();
      const socket = new base(url, protocols) as unknown as FakeSocket;
      const push = socket.push.bind(socket);
      let held: { frames: Payload[]; merge: boolean; timer: ReturnType<typeof setTimeout> } | undefined;
      const flush = () => {
        if (held) push(...held.frames);
        held = undefined;
      };
      socket.push = (...frames: unknown[]) => {
        for (const frame of frames) {
          if (typeof frame !== 'string') {
            push(frame);
            continue;
          }
          const d = m.process({ text: frame, open: frame.startsWith('<open') });
          let out = d.frames;
          if (held) {
            clearTimeout(held.timer);
            out = release(held.frames, held.merge, out);
            held = undefined;
          }
          if (d.hold) {
            held = { frames: out, merge: d.hold === 'merge', timer: setTimeout(flush, 30) };
            continue;
          }
          const send = () => {
            push(...out);
            if (d.cut) setTimeout(() => socket.serverClose(1006), 0);
          };
          if (d.delay) setTimeout(send, d.delay);
          else send();
        }
      };
      // biome-ignore lint/correctness/noConstructorReturn: stands in for the fake socket it wraps
      return socket;
    }
  } as unknown as WebSocketConstructor;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const utf8 = new TextEncoder();
/** As Response.text() decodes: UTF-8, bad bytes replaced, a BOM dropped. */
const utf8Decoder = new TextDecoder();

function joined(frames: Payload[]): string | Uint8Array {
  if (frames.every((f) => typeof f === 'string')) return frames.join('');
  const parts = frames.map((f) => (typeof f === 'string' ? utf8.encode(f) : f));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** BOSH: each answer of the endpoint passes the mutator before the client reads it. */
export function mutatingDeliver(m: Mutator): Deliver {
  return async (answer, request) => {
    if (request.fresh) m.newEpoch();
    const d = m.process({ text: answer.text, open: request.fresh || request.restart });
    // never answered: the endpoint rejects the request when the client gives it up
    if (d.stall) await new Promise<never>(() => {});
    if (d.delay) await sleep(d.delay);
    if (d.netFail) throw new TypeError('Failed to fetch');
    const body = joined(d.frames);
    return { status: d.status ?? answer.status, text: typeof body === 'string' ? body : utf8Decoder.decode(body) };
  };
}

/** Connection options that reach `server` through the mutator, on its carrier; the other carrier refuses. */
export function mutatingOptions(server: FuzzServer, m: Mutator): ConnectionOptions {
  // where a redirect may lead: carriers that exist and refuse, so that nothing leaves the process
  const nowhere = { WebSocket: Object.assign(new FakeServer(() => {}), { refuse: true }).WebSocket, fetch: new FakeBosh((req) => req.fail()).fetch };
  const boshTiming = { random: () => 0.5, minSpacing: 0, baseDelay: 5, setupMaxDelay: 10, maxDelay: 20 };
  if (server.ws) return { WebSocket: mutatingWebSocket(server.ws.options.WebSocket as WebSocketConstructor, m), fetch: nowhere.fetch, boshTiming };
  return { WebSocket: nowhere.WebSocket, fetch: server.bosh?.fetch, boshTiming };
}
