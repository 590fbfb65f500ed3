// Mutations of one delivery unit as a whole (a WebSocket frame, or one BOSH HTTP answer): dropped, doubled, split,
// merged with the next, reordered, delayed, replaced or joined by a frame meant for another moment, the carrier cut,
// HTTP failures, bytes that are not UTF-8. Text-level ones come from text-mutations.ts.
import type { Carrier } from '../helpers/scripted-xmpp.js';
import { ATTR_VALUES, streamError, strayBodies, strayFrames, terminateBody } from './corpus.js';
import type { Rng } from './rng.js';
import { stacked, TEXT_MUTATION_NAMES, TEXT_MUTATIONS, type TextMutation } from './text-mutations.js';
import { attrs, spans, splice, tokenize } from './xml-tokens.js';

export type Payload = string | Uint8Array;

/** What reaches the client for one unit of server output. */
export interface Delivery {
  frames: Payload[];
  /** WebSocket: the socket drops (1006) after these frames. */
  cut?: boolean;
  /** Delivered this many ms late. */
  delay?: number;
  /** BOSH: the HTTP status. */
  status?: number;
  /** BOSH: the request fails as on a network error. */
  netFail?: boolean;
  /** BOSH: never answered (until the client gives the request up). */
  stall?: boolean;
  /** WebSocket: held back and sent after the next frame (`swap`), or glued to its front (`merge`). */
  hold?: 'swap' | 'merge';
}

export interface MutationEnv {
  carrier: Carrier;
  /** The bound JID, for injected stanzas. */
  jid: string;
  /** A plausible `h` for injected acknowledgements. */
  h: number;
}

type FrameMutation = (d: Delivery, r: Rng, env: MutationEnv) => void;

const STREAM_ERRORS = [
  'bad-format', 'conflict', 'connection-timeout', 'host-gone', 'host-unknown', 'improper-addressing', 'internal-server-error',
  'invalid-from', 'invalid-namespace', 'invalid-xml', 'not-authorized', 'not-well-formed', 'policy-violation',
  'remote-connection-failed', 'reset', 'resource-constraint', 'restricted-xml', 'see-other-host', 'system-shutdown',
  'undefined-condition', 'unsupported-encoding', 'unsupported-feature', 'unsupported-version', 'bogus', 'constructor', '__proto__',
];
const BODY_ATTRS = ['type', 'condition', 'sid', 'wait', 'hold', 'requests', 'polling', 'inactivity', 'ack', 'xmlns', 'ver', 'xmpp:version', 'xmpp:restart', 'maxpause'];
const INVALID_UTF8 = [[0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xff], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x00]];
const utf8 = new TextEncoder();

const textAt = (d: Delivery): number => d.frames.findIndex((f) => typeof f === 'string');

/** Edits the first text payload. */
function edit(d: Delivery, f: (s: string) => string): void {
  const i = textAt(d);
  if (i >= 0) d.frames[i] = f(d.frames[i] as string);
}

/** Edits the content of a BOSH `<body/>` (a self-closing body gets one). */
function bodyContent(s: string, f: (content: string) => string): string {
  const body = spans(tokenize(s)).find((sp) => sp.start === s.indexOf('<body'));
  if (!body) return s + f('');
  if (body.contentStart === body.end) return splice(s, body.start, body.end, `${s.slice(body.start, body.end - 2)}>${f('')}</body>`);
  return splice(s, body.contentStart, body.contentEnd, f(s.slice(body.contentStart, body.contentEnd)));
}

function stray(r: Rng, env: MutationEnv): string {
  const frame = r.pick(strayFrames(env.jid, env.h));
  return r.chance(0.3) ? (TEXT_MUTATIONS[r.pick(TEXT_MUTATION_NAMES)] as TextMutation)(frame, r) : frame;
}

function invalidUtf8(s: string, r: Rng): Uint8Array {
  let bytes = Array.from(utf8.encode(s));
  for (let i = r.range(1, 3); i > 0; i--) {
    const at = r.int(bytes.length + 1);
    bytes = [...bytes.slice(0, at), ...r.pick(INVALID_UTF8), ...bytes.slice(at)];
  }
  return Uint8Array.from(bytes);
}

const ws = (env: MutationEnv): boolean => env.carrier === 'websocket';

export const FRAME_MUTATIONS: Readonly<Record<string, FrameMutation>> = {
  drop: (d, _r, env) => (ws(env) ? (d.frames = []) : edit(d, (s) => bodyContent(s, () => ''))),
  dup: (d, _r, env) => (ws(env) ? (d.frames = [...d.frames, ...d.frames]) : edit(d, (s) => bodyContent(s, (c) => c + c))),
  split: (d, r, env) =>
    edit(d, (s) => {
      const at = r.int(s.length + 1);
      if (!ws(env)) return s.slice(0, at);
      d.frames.splice(textAt(d) + 1, 0, s.slice(at));
      return s.slice(0, at);
    }),
  'merge-next': (d, _r, env) => (ws(env) ? (d.hold = 'merge') : edit(d, (s) => s + s)),
  'swap-next': (d, r, env) => (ws(env) ? (d.hold = 'swap') : (d.delay = r.range(5, 80))),
  'inject-before': (d, r, env) => {
    const x = stray(r, env);
    if (ws(env)) d.frames.unshift(x);
    else edit(d, (s) => bodyContent(s, (c) => x + c));
  },
  'inject-after': (d, r, env) => {
    const x = stray(r, env);
    if (ws(env)) d.frames.push(x);
    else edit(d, (s) => bodyContent(s, (c) => c + x));
  },
  replace: (d, r, env) => {
    const x = stray(r, env);
    if (ws(env)) d.frames = [x];
    else edit(d, () => r.pick(strayBodies(x)));
  },
  binary: (d, r, env) => (d.frames = d.frames.map((f) => (typeof f === 'string' ? (ws(env) ? utf8.encode(f) : invalidUtf8(f, r)) : f))),
  'invalid-utf8': (d, r) => (d.frames = d.frames.map((f) => (typeof f === 'string' ? invalidUtf8(f, r) : f))),
  cut: (d, r, env) => {
    if (!ws(env)) {
      if (r.chance(0.5)) d.netFail = true;
      else edit(d, () => terminateBody('item-not-found', ''));
      return;
    }
    d.cut = true;
    if (r.chance(0.5)) d.frames = [];
  },
  close: (d, r, env) => {
    if (ws(env)) d.frames = [...(r.chance(0.5) ? d.frames : []), r.pick(strayFrames(env.jid, env.h).filter((f) => f.startsWith('<close')))];
    else edit(d, () => r.pick(strayBodies('').filter((b) => b.includes('terminate'))));
  },
  'stream-error': (d, r, env) => {
    const condition = r.pick(STREAM_ERRORS);
    const e = streamError(condition, r.chance(0.3) ? 'server says & explains' : '');
    if (ws(env)) d.frames = r.chance(0.5) ? [e] : [...d.frames, e];
    else edit(d, (s) => (r.chance(0.5) ? bodyContent(s, (c) => c + e) : terminateBody('remote-stream-error', e)));
  },
  delay: (d, r) => (d.delay = r.pick([1, 10, 50, 150, 450])),
  stall: (d, _r, env) => (ws(env) ? (d.frames = []) : (d.stall = true)),
  'http-status': (d, r, env) => {
    if (ws(env)) return void (d.cut = true);
    d.status = r.pick([404, 403, 400, 500, 502, 503, 301, 204, 418]);
    if (r.chance(0.5)) d.frames = [r.pick(['', '<html><body>Not Found</body></html>', 'Service Unavailable'])];
  },
  'net-fail': (d, _r, env) => (ws(env) ? (d.cut = true) : (d.netFail = true)),
  'body-attr': (d, r) =>
    edit(d, (s) => {
      const first = tokenize(s).find((t) => t.kind === 'open' || t.kind === 'empty');
      if (!first) return s;
      const existing = attrs(s, first);
      if (existing.length > 0 && r.chance(0.3)) {
        const a = r.pick(existing);
        return splice(s, a.start, a.end, '');
      }
      const name = r.pick(BODY_ATTRS);
      const a = existing.find((x) => x.name === name);
      const value = r.pick(ATTR_VALUES[name] ?? ATTR_VALUES['*'] ?? ['']);
      if (a) return splice(s, a.start, a.end, ` ${name}='${value}'`);
      const at = first.start + 1 + first.name.length;
      return splice(s, at, at, ` ${name}='${value}'`);
    }),
  stacked: (d, r) => edit(d, (s) => stacked(s, r)),
};

export const FRAME_MUTATION_NAMES = Object.keys(FRAME_MUTATIONS);

/** Applies one mutation, by name, to a delivery. */
export function applyMutation(name: string, d: Delivery, r: Rng, env: MutationEnv): void {
  const text = TEXT_MUTATIONS[name];
  if (text) return edit(d, (s) => text(s, r));
  FRAME_MUTATIONS[name]?.(d, r, env);
}
