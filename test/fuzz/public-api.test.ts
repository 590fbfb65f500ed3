// The public API against hostile arguments: JIDs, service URLs, options of the wrong type, credentials, builders
// with invalid names or characters. Each call ends in a result or a typed error, never a stall or a crash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultMechanisms } from '../../mechanisms/index.js';
import { CoreConnection } from '../../src/connection.js';
import { ConnectionError } from '../../src/errors.js';
import { JID, JIDError } from '../../src/jid.js';
import { BoshTransport } from '../../src/transport/bosh.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { $build, $msg } from '../../src/xml/builder.js';
import type { XmlElement } from '../../src/xml/element.js';
import { XmlCharacterError, XmlNameError } from '../../src/xml/escape.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';

const SEED = 20261203;
const RUNS = 300;

/** Strings with the characters that break things: controls, surrogates, markup, quotes, non-characters, long runs. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('<', '>', '&', '"', "'", '/', '@', ':', ' ', '\0', '\uFFFE', '\uD800', '\uDC00', 'a', '=', '\n'), maxLength: 30 }),
  fc.constantFrom('', 'x'.repeat(5000), 'a@b/c', '@', '/', 'a@', '@b', 'a@b/', '[::1]', 'xn--bcher-kva.example', 'javascript:alert(1)'),
);
const anyValue = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object(), fc.array(fc.integer()));

/** A WebSocket that never connects, and a fetch that always fails: no network, every attempt must still end. */
class DeadSocket {
  readyState = 0;
  protocol = '';
  onopen: (() => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onmessage: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor() {
    setTimeout(() => {
      this.readyState = 3;
      this.onclose?.({ code: 1006 });
    }, 0);
  }
  send(): void {}
  close(): void {}
}
const deadFetch = (() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch;
const offline = { WebSocket: DeadSocket as never, fetch: deadFetch, connectTimeout: 500, boshTiming: { baseDelay: 1, setupMaxDelay: 2, random: () => 0.5 } } as const;

function connection(service: unknown, options: unknown = {}): CoreConnection {
  return new CoreConnection(service as string, { ...offline, ...(options as object) }, { transports: [WebSocketTransport, BoshTransport], mechanisms: defaultMechanisms });
}

/** Re-reads serialized XML with the strict parser: the one element it holds, or the parse error. */
function reparse(xml: string): XmlElement | Error {
  let out: XmlElement | Error = new Error('no element');
  createStreamParser({ onStreamStart: () => {}, onStreamEnd: () => {}, onElement: (el) => (out = el), onError: (e) => (out = e) }, { fragment: true }).write(xml);
  return out;
}

describe('public API fuzz', () => {
  it('JID.parse returns a JID that round-trips, or throws JIDError', () => {
    fc.assert(
      fc.property(hostileString, (s) => {
        let jid: JID;
        try {
          jid = JID.parse(s);
        } catch (e) {
          expect(e).toBeInstanceOf(JIDError);
          return;
        }
        expect(JID.parse(jid.toString()).equals(jid)).toBe(true);
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('new Connection(service, options): constructs, or throws ConnectionError invalid-option', () => {
    const option = fc.record(
      {
        connectTimeout: anyValue,
        iqTimeout: anyValue,
        maxStanzaSize: anyValue,
        wait: anyValue,
        hold: anyValue,
        mechanisms: anyValue,
        pipelining: anyValue,
        headers: anyValue,
        logger: anyValue,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(anyValue, fc.oneof(option, anyValue), (service, options) => {
        try {
          connection(service, options);
        } catch (e) {
          expect(e).toBeInstanceOf(ConnectionError);
          expect((e as ConnectionError).condition).toBe('invalid-option');
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });

  it('connect(jid, pass) with any service, JID and credentials ends with a status, never a throw or a stall', async () => {
    const services = fc.oneof(anyValue, fc.constantFrom('ws://127.0.0.1/x', 'wss://example.org/x', 'http://127.0.0.1/b', 'https://example.org/b', 'ftp://x', 'ws://', 'http://[::1'));
    const credentials = fc.oneof(anyValue, fc.record({ password: anyValue, token: anyValue, authzid: anyValue, scramKeys: anyValue }, { requiredKeys: [] }));
    await fc.assert(
      fc.asyncProperty(services, hostileString, credentials, async (service, jid, pass) => {
        let conn: CoreConnection;
        try {
          conn = connection(service);
        } catch (e) {
          expect(e).toBeInstanceOf(ConnectionError);
          return;
        }
        const statuses: number[] = [];
        const outcome = await conn.connect(jid, pass as never, (s) => statuses.push(s)).then(
          () => 'connected',
          (e: unknown) => e,
        );
        expect(outcome).toBeInstanceOf(ConnectionError);
        expect(statuses.at(-1)).toBe(6); // DISCONNECTED, always the last word
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('send, sendIQ and the handlers with junk while offline: ConnectionError or a typed XML error', () => {
    const conn = connection('ws://127.0.0.1/x');
    fc.assert(
      fc.property(anyValue, (junk) => {
        for (const call of [() => conn.send(junk as never), () => conn.sendPresence(junk as never)]) {
          try {
            call();
          } catch (e) {
            expect(e instanceof ConnectionError || e instanceof TypeError).toBe(true);
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('builders: what they accept serializes to XML that parses back to the same tree; the rest is a typed error', () => {
    const attrs = fc.dictionary(hostileString, fc.oneof(hostileString, fc.integer(), fc.boolean()), { maxKeys: 3 });
    fc.assert(
      fc.property(hostileString, attrs, hostileString, hostileString, attrs, (name, a, childName, text, childAttrs) => {
        let xml: string;
        try {
          xml = $build(name, a).c(childName, childAttrs).t(text).up().toString();
        } catch (e) {
          expect(e instanceof XmlNameError || e instanceof XmlCharacterError).toBe(true);
          return;
        }
        const back = reparse(xml);
        // a name the builder accepts may still need a namespace declaration the parser insists on
        if (back instanceof Error) {
          expect(back.message).toMatch(/prefix|xmlns/);
          return;
        }
        expect(back.toString()).toBe(xml);
        expect(back.getChildren()).toHaveLength(1);
        expect(back.getChildren()[0]?.text()).toBe(text);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('a message body with markup in it stays text: no XML injection', () => {
    fc.assert(
      fc.property(hostileString, (body) => {
        let xml: string;
        try {
          xml = $msg({ to: 'bob@example.org' }).c('body').t(body).toString();
        } catch (e) {
          expect(e).toBeInstanceOf(XmlCharacterError);
          return;
        }
        const back = reparse(xml);
        expect(back).not.toBeInstanceOf(Error);
        expect((back as XmlElement).getChildText('body')).toBe(body);
        expect((back as XmlElement).getChildren()).toHaveLength(1);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });
});
