// One scripted XMPP server for unit tests, reachable over WebSocket (RFC 7395) or BOSH (XEP-0124/0206): the same
// script answers client elements whichever carrier carries them, so hostile-server cases run on both.
import type { ConnectionOptions } from '../../src/options.js';
import type { XmlElement } from '../../src/xml/element.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { body, created, FakeBosh, type FakeRequest } from './fake-bosh.js';
import { FakeServer, type FakeSocket, open as wsOpen } from './fake-websocket.js';

export type Carrier = 'websocket' | 'bosh';
export const CARRIERS: readonly Carrier[] = ['websocket', 'bosh'];

/**
 * What the client did: opened the stream (`fresh`: on a new carrier, a new WebSocket or BOSH session; else a
 * restart), sent a top-level element, or closed.
 */
export type ClientEvent = { kind: 'open'; fresh: boolean } | { kind: 'element'; el: XmlElement } | { kind: 'close' };

export type XmppScript = (event: ClientEvent, server: ScriptedXmpp) => void;

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const STREAMS = 'http://etherx.jabber.org/streams';

/** A scripted server; `reply()` queues server output, delivered over whichever carrier the client uses. */
export class ScriptedXmpp {
  /** Every top-level element the client sent, in order (stream opens and closes excluded). */
  readonly received: XmlElement[] = [];
  /** The raw client output: WebSocket frames, or BOSH request bodies. */
  readonly wire: string[] = [];
  /** `open`, `close` and `<name>` per client event, in order: a compact trace. */
  readonly trace: string[] = [];
  readonly #ws: FakeServer | undefined;
  readonly #bosh: FakeBosh | undefined;
  /** While true the server cannot be reached: sockets are refused, requests fail as a network error would. */
  down = false;
  /** BOSH: attributes of the session-creation answer (wait, hold, requests, ...). */
  createAttrs: Record<string, string | number> = { hold: 1, requests: 2 };
  /** BOSH: every request made, with its URL. */
  get requests(): readonly FakeRequest[] {
    return this.#bosh?.requests ?? [];
  }
  #socket: FakeSocket | undefined;
  #held: FakeRequest[] = [];
  /** BOSH: the session was cut; requests on it are refused until the client creates a new one. */
  #boshGone = false;
  #buffer: string[] = [];
  #sessions = 0;

  constructor(
    readonly carrier: Carrier,
    public script: XmppScript,
    /** The host part of the service URL (a loopback host counts as secure). */
    readonly host = '127.0.0.1',
    readonly tls = false,
  ) {
    if (carrier === 'websocket') {
      const ws = new FakeServer((frame, _reply, socket) => this.#onFrame(frame, socket));
      this.#ws = ws;
      Object.defineProperty(ws, 'refuse', { get: () => this.down });
    } else this.#bosh = new FakeBosh((req) => (this.down ? req.fail() : this.#onRequest(req)));
  }

  /** The service URL for a Connection. */
  get service(): string {
    return this.carrier === 'websocket' ? `${this.tls ? 'wss' : 'ws'}://${this.host}/xmpp-websocket` : `${this.tls ? 'https' : 'http'}://${this.host}/http-bind`;
  }

  /** The options that route a Connection to this server (a fake WebSocket or a fake fetch). */
  get options(): ConnectionOptions {
    const timing = { random: () => 0.5, minSpacing: 0, baseDelay: 5, setupMaxDelay: 10, maxDelay: 20 };
    return this.#ws ? { WebSocket: this.#ws.WebSocket } : ({ fetch: this.#bosh?.fetch, boshTiming: timing } as ConnectionOptions);
  }

  /** Queues server output (serialized top-level elements). */
  reply(...xml: string[]): void {
    if (this.#ws) this.#socket?.push(...xml);
    else {
      this.#buffer.push(...xml);
      this.#flush();
    }
  }

  /** Ends the stream from the server side: `<close/>` over WebSocket, a terminate body over BOSH. */
  close(): void {
    if (this.#ws) this.#socket?.push(`<close xmlns='${FRAMING}'/>`);
    else this.#flush(true);
  }

  /**
   * Drops the carrier without a word: the socket closes (1006); over BOSH the server forgets the session, so
   * that the client's next request learns it is gone.
   */
  cut(): void {
    if (this.#ws) this.#socket?.serverClose(1006);
    else {
      this.#boshGone = true;
      for (const r of this.#held.splice(0)) r.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    }
  }

  /** Client output as text (frames or bodies), joined: for checks that something never went out. */
  get wireText(): string {
    return this.wire.join('\n');
  }

  #emit(event: ClientEvent): void {
    this.trace.push(event.kind === 'element' ? `<${event.el.name}>` : event.kind);
    if (event.kind === 'element') this.received.push(event.el);
    this.script(event, this);
  }

  #onFrame(frame: string, socket: FakeSocket): void {
    const fresh = this.#socket !== socket;
    this.#socket = socket;
    this.wire.push(frame);
    const el = parseOne(frame);
    if (el?.is('open', FRAMING)) {
      socket.push(wsOpen(el.attrs.to ?? 'example.org', `s${++this.#sessions}`));
      this.#emit({ kind: 'open', fresh });
    } else if (el?.is('close', FRAMING)) {
      this.#emit({ kind: 'close' });
      socket.push(`<close xmlns='${FRAMING}'/>`);
    } else if (el) this.#emit({ kind: 'element', el });
  }

  #onRequest(req: FakeRequest): void {
    this.wire.push(req.body);
    if (!req.sid) {
      // session creation: the stream opens, and what the script says goes into the creation answer
      this.#held = [];
      this.#boshGone = false;
      this.#emit({ kind: 'open', fresh: true });
      const inner = this.#buffer.join('');
      this.#buffer = [];
      return req.reply(created(`sid-${++this.#sessions}`, this.createAttrs, inner));
    }
    if (this.#boshGone) return req.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    for (const el of req.children) this.#emit({ kind: 'element', el });
    if (req.attrs['xmpp:restart'] === 'true') this.#emit({ kind: 'open', fresh: false });
    const terminate = req.attrs.type === 'terminate';
    if (terminate) this.#emit({ kind: 'close' });
    this.#held.push(req);
    this.#flush(terminate);
  }

  /** Answers the oldest held request when there is something to say, or when more than one is held (hold = 1). */
  #flush(terminate = false): void {
    while (this.#held.length > 1 || (this.#held.length > 0 && (this.#buffer.length > 0 || terminate))) {
      const r = this.#held.shift() as FakeRequest;
      const last = this.#held.length === 0;
      r.reply(body(terminate && last ? { type: 'terminate' } : {}, this.#buffer.join('')));
      this.#buffer = [];
    }
  }
}

/** Parses one serialized element (a frame), or `undefined` when it is not one. */
function parseOne(xml: string): XmlElement | undefined {
  let out: XmlElement | undefined;
  const parser = createStreamParser(
    { onStreamStart: () => {}, onStreamEnd: () => {}, onElement: (el) => (out ??= el), onError: () => {} },
    { fragment: true },
  );
  parser.write(xml);
  return out;
}

// ---------------------------------------------------------------- building blocks for scripts

export const NS = {
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind',
  streams: STREAMS,
  streamErrors: 'urn:ietf:params:xml:ns:xmpp-streams',
} as const;

export const features = (inner: string): string => `<stream:features xmlns:stream='${STREAMS}'>${inner}</stream:features>`;
export const mechanisms = (...names: string[]): string =>
  `<mechanisms xmlns='${NS.sasl}'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`;
export const bindFeature = `<bind xmlns='${NS.bind}'/>`;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const saslChallenge = (payload: string): string => `<challenge xmlns='${NS.sasl}'>${b64(payload)}</challenge>`;
export const saslSuccess = (payload?: string): string => (payload === undefined ? `<success xmlns='${NS.sasl}'/>` : `<success xmlns='${NS.sasl}'>${b64(payload)}</success>`);
export const saslFailure = (condition = 'not-authorized'): string => `<failure xmlns='${NS.sasl}'><${condition}/></failure>`;
export const bindResult = (id: string, jid: string): string => `<iq xmlns='jabber:client' type='result' id='${id}'><bind xmlns='${NS.bind}'><jid>${jid}</jid></bind></iq>`;
/** The decoded text payload of a SASL element the client sent. */
export const payload = (el: XmlElement): string => {
  const t = el.text().trim();
  return t === '' || t === '=' ? '' : Buffer.from(t, 'base64').toString('utf8');
};

export interface LoginPlan {
  /** Mechanisms offered before SASL. */
  mechs: string[];
  /** Answers each SASL element the client sends (`<auth/>`, `<response/>`, `<abort/>`) through `respond`. */
  sasl: (el: XmlElement, respond: (...xml: string[]) => void, server: ScriptedXmpp) => void;
  /** The JID bound for a bind request (default `user@example.org/<resource or r1>`). */
  bound?: (requested: string | undefined) => string;
  /** Anything else the client sends after SASL. */
  other?: (el: XmlElement, server: ScriptedXmpp) => void;
}

/** A server that logs in by `plan`: offers mechanisms, hands SASL to the plan, binds, and answers close. */
export function loginServer(carrier: Carrier, plan: LoginPlan, host?: string, tls?: boolean): ScriptedXmpp {
  let authenticated = false;
  return new ScriptedXmpp(
    carrier,
    (event, server) => {
      if (event.kind === 'open' && event.fresh) authenticated = false;
      if (event.kind === 'open') server.reply(features(authenticated ? bindFeature : mechanisms(...plan.mechs)));
      if (event.kind !== 'element') return;
      const el = event.el;
      if (el.getNS() === NS.sasl) {
        const respond = (...xml: string[]) => {
          if (xml.some((x) => x.startsWith('<success'))) authenticated = true;
          server.reply(...xml);
        };
        plan.sasl(el, respond, server);
      } else if (el.localName === 'iq' && el.getChild('bind', NS.bind)) {
        const resource = el.getChild('bind', NS.bind)?.getChildText('resource');
        server.reply(bindResult(el.attrs.id ?? '', plan.bound?.(resource) ?? `user@example.org/${resource ?? 'r1'}`));
      } else plan.other?.(el, server);
    },
    host,
    tls,
  );
}
