// Shared set-up for the BOSH transport tests: a recording sink and a transport wired to a fake endpoint.
import { vi } from 'vitest';
import { BoshTransport } from '../../src/transport/bosh.js';
import type { TransportEnd, TransportOptions, TransportSink } from '../../src/transport/transport.js';
import type { XmlElement } from '../../src/xml/element.js';
import { DEFAULT_MAX_STANZA_SIZE } from '../../src/xml/parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { created, FakeBosh, type Script } from '../helpers/fake-bosh.js';

export const SERVICE = 'http://127.0.0.1:5280/http-bind';

/** Everything the transport reported, in order. */
export interface Recording {
  sink: TransportSink;
  /** `open`, `el:<name>`, `end:<kind>:<condition>`, `undelivered:<n>`, `attached:<jid>`. */
  events: string[];
  elements: XmlElement[];
  ends: TransportEnd[];
  undelivered: XmlElement[][];
  opened: Record<string, string>[];
  raw: string[];
}

export function record(onElement?: (el: XmlElement) => void): Recording {
  const r: Recording = {
    events: [],
    elements: [],
    ends: [],
    undelivered: [],
    opened: [],
    raw: [],
    sink: {
      streamOpened: (attrs) => {
        r.opened.push(attrs);
        r.events.push('open');
      },
      element: (el) => {
        r.elements.push(el);
        r.events.push(`el:${el.localName}`);
        onElement?.(el);
      },
      ended: (end) => {
        r.ends.push(end);
        r.events.push(`end:${end.kind}:${end.condition}`);
      },
      rawInput: (data) => r.raw.push(data),
      undelivered: (els) => {
        r.undelivered.push(els);
        r.events.push(`undelivered:${els.length}`);
      },
      attached: (jid) => r.events.push(`attached:${jid}`),
    },
  };
  return r;
}

/** Deterministic timing: jitter always half the ceiling; requests not spaced (a test of its own covers that). */
export const TIMING = { random: () => 0.5, minSpacing: 0 };

export function setup(script?: Script, options: Partial<TransportOptions> = {}, service = SERVICE) {
  const server = new FakeBosh(script);
  const rec = record();
  const transport = new BoshTransport(service, rec.sink, {
    parser: createStreamParser,
    maxStanzaSize: DEFAULT_MAX_STANZA_SIZE,
    lang: 'en',
    closeTimeout: 3000,
    fetch: server.fetch,
    boshTiming: TIMING,
    ...options,
  });
  return { server, rec, transport };
}

/** Lets pending fetch callbacks and microtasks run (with fake timers: only timers due now fire). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
    else await new Promise<void>((r) => setImmediate(r));
  }
}

/** A transport whose session the fake server has just created. */
export async function opened(options: Partial<TransportOptions> = {}) {
  const t = setup(undefined, options);
  t.transport.open('example.org');
  (await t.server.next()).reply(created());
  await flush();
  return t;
}
