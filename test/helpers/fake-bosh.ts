// A scripted, in-process BOSH endpoint for unit tests: a fake fetch whose requests a script or the test answers.
import type { XmlElement } from '../../src/xml/element.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';

export const NS_BOSH = 'http://jabber.org/protocol/httpbind';

/** One HTTP request the transport made. */
export class FakeRequest {
  /** Root attributes of the posted `<body/>`. */
  readonly attrs: Record<string, string> = {};
  /** Elements inside the posted `<body/>`. */
  readonly children: XmlElement[] = [];
  settled = false;
  private resolve!: (r: Response) => void;
  private reject!: (e: unknown) => void;
  readonly response: Promise<Response>;

  constructor(
    readonly n: number,
    readonly url: string,
    readonly body: string,
    readonly init: RequestInit,
  ) {
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const parser = createStreamParser(
      {
        onStreamStart: (_name, attrs) => Object.assign(this.attrs, attrs),
        onElement: (el) => this.children.push(el),
        onStreamEnd: () => {},
        onError: (e) => {
          throw e;
        },
      },
      {},
    );
    parser.write(body);
    const signal = init.signal;
    signal?.addEventListener('abort', () => this.settle(() => this.reject(new DOMException('The operation was aborted.', 'AbortError'))));
  }

  get rid(): number {
    return Number(this.attrs.rid);
  }

  get sid(): string | undefined {
    return this.attrs.sid;
  }

  /** True for a body with no payload and no special type (an empty poll). */
  get isEmptyPoll(): boolean {
    return this.children.length === 0 && !this.attrs.type && !this.attrs['xmpp:restart'] && this.attrs.sid !== undefined;
  }

  get aborted(): boolean {
    return this.init.signal?.aborted ?? false;
  }

  /** Answers 200 with this text (use {@link body} to build a BOSH body). */
  reply(text: string, status = 200): void {
    this.settle(() => this.resolve(new Response(text, { status, headers: { 'Content-Type': 'text/xml; charset=utf-8' } })));
  }

  /** Answers with an HTTP status and an optional text. */
  status(status: number, text = ''): void {
    this.reply(text, status);
  }

  /** Fails as fetch does when the network (or CORS) refuses: a TypeError. */
  fail(message = 'Failed to fetch'): void {
    this.settle(() => this.reject(new TypeError(message)));
  }

  private settle(fn: () => void): void {
    if (this.settled) return;
    this.settled = true;
    fn();
  }
}

/** Decides what to do with each request; may answer at once, later, or never. */
export type Script = (req: FakeRequest, server: FakeBosh) => void;

export class FakeBosh {
  readonly requests: FakeRequest[] = [];
  private waiters: ((r: FakeRequest) => void)[] = [];
  private seen = 0;

  constructor(public script: Script = () => {}) {}

  /** The fetch to pass as `options.fetch`. */
  readonly fetch = ((input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = new FakeRequest(this.requests.length, String(input), String(init?.body ?? ''), init ?? {});
    this.requests.push(req);
    this.script(req, this);
    const waiter = this.waiters.shift();
    if (waiter) {
      this.seen++;
      waiter(req);
    }
    return req.response;
  }) as typeof fetch;

  /** Requests not answered yet. */
  get open(): FakeRequest[] {
    return this.requests.filter((r) => !r.settled);
  }

  /** The next request the test has not taken yet (resolves once it is made). */
  next(): Promise<FakeRequest> {
    const ready = this.requests[this.seen];
    if (ready) {
      this.seen++;
      return Promise.resolve(ready);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks every request made so far as taken. */
  skipAll(): void {
    this.seen = this.requests.length;
  }

  /** The rids sent, in order (a resend appears twice). */
  get rids(): number[] {
    return this.requests.map((r) => r.rid);
  }
}

/** A BOSH response body. */
export function body(attrs: Record<string, string | number> = {}, inner = ''): string {
  let out = `<body xmlns='${NS_BOSH}' xmlns:stream='http://etherx.jabber.org/streams'`;
  for (const [k, v] of Object.entries(attrs)) out += ` ${k}='${v}'`;
  return inner ? `${out}>${inner}</body>` : `${out}/>`;
}

/** The answer to session creation, as Prosody gives it. */
export function created(sid = 'sid-1', attrs: Record<string, string | number> = {}, inner = features(mechanisms('PLAIN'))): string {
  return body({ sid, wait: 60, requests: 2, hold: 1, polling: 5, inactivity: 60, ver: '1.6', 'xmlns:xmpp': 'urn:xmpp:xbosh', 'xmpp:version': '1.0', ...attrs }, inner);
}

export const features = (inner: string): string => `<stream:features xmlns='jabber:client'>${inner}</stream:features>`;
export const mechanisms = (...names: string[]): string =>
  `<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`;
export const BIND_FEATURES = features("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>");

/**
 * A small XMPP-over-BOSH server with Prosody's request handling: it holds `hold` requests, answers the oldest
 * one when it has something to say or holds too many. PLAIN login (the password is checked), resource binding,
 * messages to oneself echoed back, IQ pings answered, terminate honoured.
 */
export function xmppServer(opts: { user: string; password: string; domain: string; sid?: string }): Script & { log: string[] } {
  const held: FakeRequest[] = [];
  let buffer: string[] = [];
  let jid = '';
  const log: string[] = [];
  const sid = opts.sid ?? 'xmpp-sid';
  const flush = (force = false) => {
    while (held.length > 1 || (held.length > 0 && (buffer.length > 0 || force))) {
      const r = held.shift() as FakeRequest;
      r.reply(body(force ? { type: 'terminate' } : {}, buffer.join('')));
      buffer = [];
    }
  };
  const script = (req: FakeRequest) => {
    log.push(req.body);
    if (!req.sid) return req.reply(created(sid));
    for (const el of req.children) {
      if (el.localName === 'auth') {
        const ok = el.text() === btoa(`\0${opts.user}\0${opts.password}`);
        buffer.push(ok ? "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" : "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
      } else if (el.localName === 'iq' && el.getChild('bind')) {
        jid = `${opts.user}@${opts.domain}/${el.getChild('bind')?.getChildText('resource') ?? 'r1'}`;
        buffer.push(`<iq xmlns='jabber:client' type='result' id='${el.attrs.id}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${jid}</jid></bind></iq>`);
      } else if (el.localName === 'iq' && el.attrs.type === 'get') {
        buffer.push(`<iq xmlns='jabber:client' type='result' id='${el.attrs.id}' from='${el.attrs.to ?? opts.domain}' to='${jid}'/>`);
      } else if (el.localName === 'message' && el.attrs.to === jid) {
        const copy = el.clone();
        copy.attrs.from = jid;
        buffer.push(copy.toString());
      }
    }
    if (req.attrs['xmpp:restart'] === 'true') buffer.push(BIND_FEATURES);
    held.push(req);
    flush(req.attrs.type === 'terminate');
  };
  return Object.assign(script, { log });
}

/** A minimal in-memory Storage (Node has no sessionStorage). */
export class MemoryStorage implements Storage {
  private readonly map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.map.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
  setItem(key: string, value: string): void {
    this.map.set(key, String(value));
  }
  /** Every stored value, joined: for checking that no secret was written. */
  dump(): string {
    return [...this.map.entries()].map(([k, v]) => `${k}=${v}`).join('\n');
  }
}
