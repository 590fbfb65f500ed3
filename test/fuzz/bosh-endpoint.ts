// A lean in-process BOSH endpoint (XEP-0124/0206) for the fuzzer: the request handling of ScriptedXmpp's BOSH side
// (hold = 1, the oldest held request answered when there is something to say), with the answer handed to a hook
// as text first, so that a mutation can change it, delay it or fail it before the client reads it. The transport
// reads `status` and `text()` of an answer only: plain objects spare a Response and its stream per request.
import type { XmlElement } from '../../src/xml/element.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { body, created } from '../helpers/fake-bosh.js';
import type { ClientEvent } from '../helpers/scripted-xmpp.js';

/** What the client reads of an HTTP answer. */
export interface Answer {
  status: number;
  text: string;
}

/** Turns the endpoint's answer into what the client gets; may wait, or reject as a failed fetch would. */
export type Deliver = (answer: Answer, request: { fresh: boolean; restart: boolean; signal: AbortSignal | undefined }) => Promise<Answer>;

interface Held {
  reply: (text: string) => void;
}

const aborted = () => new DOMException('The operation was aborted.', 'AbortError');

function parseRequest(text: string): { attrs: Record<string, string>; children: XmlElement[] } {
  const out = { attrs: {} as Record<string, string>, children: [] as XmlElement[] };
  const parser = createStreamParser(
    { onStreamStart: (_name, attrs) => (out.attrs = attrs), onElement: (el) => out.children.push(el), onStreamEnd: () => {}, onError: () => {} },
    {},
  );
  parser.write(text);
  return out;
}

export class BoshEndpoint {
  readonly service = 'http://127.0.0.1/http-bind';
  /** Every request body the client posted. */
  readonly wire: string[] = [];
  #held: Held[] = [];
  #buffer: string[] = [];
  #gone = false;
  #sessions = 0;

  constructor(
    readonly script: (event: ClientEvent) => void,
    readonly deliver: Deliver = async (a) => a,
  ) {}

  /** The fetch to pass as `options.fetch`. */
  readonly fetch = ((_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const text = String(init?.body ?? '');
    this.wire.push(text);
    const { attrs, children } = parseRequest(text);
    const signal = init?.signal ?? undefined;
    const fresh = attrs.sid === undefined;
    const restart = attrs['xmpp:restart'] === 'true';
    // a beacon (terminate with a stream error) is never read: it is not output the client sees
    const pass = init?.keepalive === true;
    return new Promise<Answer>((resolve, reject) => {
      const reply = (out: string) => (pass ? Promise.resolve({ status: 200, text: out }) : this.deliver({ status: 200, text: out }, { fresh, restart, signal })).then(resolve, reject);
      signal?.addEventListener('abort', () => reject(aborted()), { once: true });
      this.#onRequest(attrs, children, reply);
    }).then((a) => ({ status: a.status, ok: a.status >= 200 && a.status < 300, text: async () => a.text }) as Response);
  }) as typeof fetch;

  /** Queues server output (serialized top-level elements). */
  reply(...xml: string[]): void {
    this.#buffer.push(...xml);
    this.#flush();
  }

  /** The server forgets the session: held requests and the next ones are answered terminate item-not-found. */
  cut(): void {
    this.#gone = true;
    for (const h of this.#held.splice(0)) h.reply(body({ type: 'terminate', condition: 'item-not-found' }));
  }

  #onRequest(attrs: Record<string, string>, children: XmlElement[], reply: (text: string) => void): void {
    if (attrs.sid === undefined) {
      this.#held = [];
      this.#gone = false;
      this.#buffer = [];
      this.script({ kind: 'open', fresh: true });
      const inner = this.#buffer.join('');
      this.#buffer = [];
      return reply(created(`sid-${++this.#sessions}`, { hold: 1, requests: 2 }, inner));
    }
    if (this.#gone) return reply(body({ type: 'terminate', condition: 'item-not-found' }));
    for (const el of children) this.script({ kind: 'element', el });
    if (attrs['xmpp:restart'] === 'true') this.script({ kind: 'open', fresh: false });
    const terminate = attrs.type === 'terminate';
    if (terminate) this.script({ kind: 'close' });
    this.#held.push({ reply });
    this.#flush(terminate);
  }

  #flush(terminate = false): void {
    while (this.#held.length > 1 || (this.#held.length > 0 && (this.#buffer.length > 0 || terminate))) {
      const h = this.#held.shift() as Held;
      const last = this.#held.length === 0;
      const inner = this.#buffer.join('');
      this.#buffer = [];
      h.reply(body(terminate && last ? { type: 'terminate' } : {}, inner));
    }
  }
}
