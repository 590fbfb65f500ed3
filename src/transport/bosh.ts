// XMPP over BOSH (XEP-0124/0206) with fetch: a window of long-polling requests, in-order delivery, same-rid resends.
import { errorText } from '../errors.js';
import { JID } from '../jid.js';
import { NS_CLIENT, NS_PING, NS_STREAM_ERRORS, NS_STREAMS, NS_XBOSH } from '../ns.js';
import { XmlElement } from '../xml/element.js';
import { BodyReader, intAttr, type ParsedBody, serializeStanza, wrapBody } from './bosh-body.js';
import { terminateText, unreachableText } from './bosh-conditions.js';
import { type HttpConfig, type HttpOutcome, type PendingPost, post, sendBeacon } from './bosh-http.js';
import { type BoshTiming, backoffDelay, initialRid, readTiming } from './bosh-retry.js';
import { clearSession, loadSessions, type StoredBoshSession, saveSession } from './bosh-store.js';
import {
  type BoshSessionState,
  isSecureService,
  safeUrl,
  type Transport,
  type TransportEnd,
  type TransportOptions,
  type TransportSink,
} from './transport.js';

export { NS_HTTPBIND } from './bosh-body.js';
export type { BoshTiming } from './bosh-retry.js';

/** The longest `wait` (seconds) ever used, whatever a server or a stored session says: timers must not overflow. */
const MAX_WAIT = 3600;
/** The longest `polling` interval (seconds) a server may impose. */
const MAX_POLLING = 60;

/** Where a stream restart goes in the outgoing queue. */
const RESTART = Symbol('restart');
type Outgoing = XmlElement | typeof RESTART;

/** `resend`: restore()'s empty repeat of the oldest unanswered rid; `verify`: the ping that checks a taken-over session. */
type RequestKind = 'create' | 'resend' | 'verify' | 'data' | 'restart' | 'terminate';
type Phase = 'idle' | 'creating' | 'verifying' | 'open' | 'closing' | 'done';

interface BoshRequest {
  rid: number;
  kind: RequestKind;
  /** The exact body sent: a resend repeats it byte for byte. */
  body: string;
  /** Application stanzas it carries, handed back if it can never be delivered. */
  stanzas: XmlElement[];
  /** Failed attempts so far. */
  failures: number;
  pending: PendingPost | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
}

interface Answer {
  req: BoshRequest;
  text: string;
  body: ParsedBody;
}

/**
 * BOSH transport, chosen for `http://` and `https://` service URLs. Requests go out with `fetch` (pages and
 * workers; Node 20 too). Options it reads: `wait`, `hold`, `maxRetries`, `withCredentials`, `credentials`,
 * `headers`, `keepalive`, `route`, `fetch` (a fetch to use instead of the global one) and `boshTiming`
 * (a partial {@link BoshTiming}: backoff, timeouts, spacing, randomness).
 *
 * - At most the server's `requests` are in flight, and never a rid that many above the oldest unanswered one;
 *   stanzas sent meanwhile are queued and batched into the next request.
 * - A request that fails (network error, HTTP 5xx, no answer within `wait` + 10 s) is resent with the same
 *   rid and the same bytes, with exponential backoff and jitter, up to `maxRetries` times; then the stanzas
 *   not known to have arrived go to `sink.undelivered` and the transport ends.
 * - Responses are delivered in rid order, whatever order they arrive in.
 * - With `keepalive`, `{jid, sid, rid, wait, hold, requests, domain}` is kept in sessionStorage, one entry per
 *   service and account, so that {@link BoshTransport.restore} can resume the session after a reload (never a
 *   password or token). The JID is the one the connection reports through {@link BoshTransport.sessionBound}.
 *   The page unloading (pagehide) then keeps the session; without `keepalive` it ends it on the server.
 * - `wait`, `hold`, `requests` and `polling` from the server are held to what was asked (XEP-0124 §7.1) and to
 *   sane bounds, so a hostile answer cannot overflow a timer or make the client flood; so are `hold` and
 *   `requests` of a session taken over (attach, restore).
 */
export class BoshTransport implements Transport {
  readonly kind = 'bosh';
  readonly secure: boolean;
  readonly #http: HttpConfig;
  readonly #injectedFetch: boolean;
  readonly #timing: BoshTiming;
  readonly #reader: BodyReader;
  readonly #keepalive: boolean;
  readonly #maxRetries: number;
  #phase: Phase = 'idle';
  #domain = '';
  /** The full JID: reported by the connection once bound, or given to attach/restore. */
  #jid = '';
  #sid: string | undefined;
  #nextRid = 0;
  /** The oldest rid whose response has not been handled yet. */
  #nextDeliver = 0;
  /** The `wait` this transport asks for: a server may lower it, never raise it. */
  readonly #askedWait: number;
  #wait: number;
  #hold: number;
  #requests: number;
  #polling = 0;
  #queue: Outgoing[] = [];
  readonly #inflight = new Map<number, BoshRequest>();
  readonly #answered = new Map<number, Answer>();
  #pumpQueued = false;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #spaceTimer: ReturnType<typeof setTimeout> | undefined;
  #verifyTimer: ReturnType<typeof setTimeout> | undefined;
  #lastSentAt = 0;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;
  #lastEmpty: { rid: number; sentAt: number; answeredEmpty: boolean | undefined } | undefined;
  #awaitingRestart = false;
  #terminateSent = false;
  #closeLast: XmlElement | undefined;
  #verifyId: string | undefined;
  #usedStore = false;
  #listening = false;

  static handles(service: string): boolean {
    return /^https?:\/\//i.test(service);
  }

  readonly #service: string;
  readonly #sink: TransportSink;
  readonly #options: TransportOptions;

  constructor(service: string, sink: TransportSink, options: TransportOptions) {
    this.#service = service;
    this.#sink = sink;
    this.#options = options;
    this.secure = isSecureService(service, ['https:']);
    const injected = typeof options.fetch === 'function' ? (options.fetch as typeof fetch) : undefined;
    this.#injectedFetch = injected !== undefined;
    this.#http = {
      url: service,
      // called unbound, never as a method of the config: the browser's fetch refuses another `this` (the
      // application may pass `window.fetch` itself); the global one is resolved per call
      fetch: injected ? (input, init) => injected(input, init) : (input, init) => globalThis.fetch(input, init),
      headers: stringRecord(options.headers),
      credentials: typeof options.credentials === 'string' ? (options.credentials as RequestCredentials) : options.withCredentials === true ? 'include' : undefined,
    };
    this.#timing = readTiming(options.boshTiming);
    this.#reader = new BodyReader(options.parser, options.maxStanzaSize, options.maxDepth);
    this.#keepalive = options.keepalive === true;
    this.#maxRetries = count(options.maxRetries) ?? 5;
    this.#askedWait = this.#wait = Math.min(count(options.wait) ?? 60, MAX_WAIT);
    this.#hold = count(options.hold) ?? 1;
    this.#requests = this.#hold + 1;
  }

  open(domain: string): void {
    if (this.#phase !== 'idle') return;
    if (!this.#injectedFetch && typeof globalThis.fetch !== 'function') {
      return this.#finish({ kind: 'error', condition: 'no-fetch', text: 'no fetch() here: pass options.fetch' });
    }
    this.#domain = domain;
    this.#phase = 'creating';
    this.#nextRid = this.#nextDeliver = initialRid(this.#timing.random);
    this.#listenPageHide();
    const route = typeof this.#options.route === 'string' ? this.#options.route : undefined;
    this.#sendRequest('create', {
      content: 'text/xml; charset=utf-8',
      hold: this.#hold,
      to: domain,
      route,
      ver: '1.6',
      wait: this.#wait,
      'xml:lang': this.#options.lang,
      'xmpp:version': '1.0',
      'xmlns:xmpp': NS_XBOSH,
    });
  }

  restart(): void {
    if (this.#phase !== 'open') return;
    this.#awaitingRestart = false;
    this.#queue.push(RESTART);
    this.#schedulePump();
  }

  /** A restart follows soon (SASL succeeded): no empty poll until then, as it could take the new stream's features. */
  restartPending(): void {
    if (this.#phase === 'open') this.#awaitingRestart = true;
  }

  /** The connection bound this full JID (from the answer to its own bind request): a restore() resumes it. */
  sessionBound(jid: string): void {
    this.#jid = jid;
    this.#save();
  }

  send(element: XmlElement): void {
    if (this.#phase === 'done' || this.#terminateSent) return;
    this.#queue.push(element);
    this.#schedulePump();
  }

  close(last?: XmlElement): void {
    if (this.#phase === 'done' || this.#phase === 'closing') return;
    if (this.#phase !== 'open') return this.#closed('closed before the session');
    this.#phase = 'closing';
    this.#closeLast = last;
    this.#closeTimer = setTimeout(() => this.#guard(() => this.#closed('terminate timed out')), this.#options.closeTimeout);
    this.#schedulePump();
  }

  /** Drops everything at once. A session kept for restore() stays stored: the server still has it. */
  abort(condition: string, text: string): void {
    this.#finish({ kind: 'closed', condition, text }, false);
  }

  /** The session was closed on purpose (close(), terminate, pagehide): nothing is left to restore. */
  #closed(text: string): void {
    this.#finish({ kind: 'closed', condition: '', text });
  }

  /**
   * Takes over a prebound session. `state.rid` is the rid the NEXT request uses (as in Strophe's `attach`:
   * "the current RID of the BOSH session; this RID will be used by the next request"): a server-side login that
   * last sent rid N passes N + 1. The session is checked with a ping before `attached` is reported.
   */
  attach(state: BoshSessionState): void {
    if (this.#phase !== 'idle') return;
    let domain: string;
    try {
      domain = JID.parse(state.jid).domain;
    } catch (e) {
      return this.#finish({ kind: 'error', condition: 'improper-addressing', text: `attach: ${(e as Error).message}` });
    }
    if (typeof state.sid !== 'string' || !state.sid || !Number.isSafeInteger(state.rid) || state.rid < 0) {
      return this.#finish({ kind: 'error', condition: 'bad-request', text: 'attach: bad sid or rid' });
    }
    this.#verify(state.jid, domain, state.sid, state.rid, state.wait, state.hold, state.wind, false);
  }

  /**
   * Resumes a session kept in sessionStorage (`keepalive`): with `jid`, that account's (for a domain-only JID, the
   * one stored for that domain); without, the only one stored for this service — with several, the JID must say
   * which.
   * The stored rid is the oldest one whose response the page did not handle: it is sent again (empty), so that a
   * request the old page never got an answer to is answered now (servers replay a cached response, which brings
   * back what arrived during the reload) or, if it never reached the server, fills the gap; a ping follows in the
   * next rid. The first valid answer reports `attached`.
   */
  restore(jid?: string): void {
    if (this.#phase !== 'idle') return;
    const sessions = loadSessions(this.#service).filter((s) => !jid || sameAccount(jid, s.jid));
    const stored = sessions.length === 1 ? (sessions[0] as StoredBoshSession) : undefined;
    if (!stored) {
      const condition = sessions.length === 0 ? 'no-session-stored' : 'ambiguous-session';
      const text = sessions.length === 0 ? `no stored session${jid ? ' for this account' : ''}` : `${sessions.length} sessions stored: pass the JID`;
      return this.#finish({ kind: 'error', condition, text }, false);
    }
    this.#usedStore = true;
    this.#verify(stored.jid, stored.domain, stored.sid, stored.rid, Math.min(stored.wait, this.#askedWait), stored.hold, stored.requests, true);
  }

  // ---------------------------------------------------------------- requests

  /** Attach/restore: requests on the session, the last carrying a ping so that the server answers at once. */
  #verify(jid: string, domain: string, sid: string, rid: number, wait: number | undefined, hold: number | undefined, requests: number | undefined, resend: boolean): void {
    this.#jid = jid;
    this.#domain = domain;
    this.#sid = sid;
    // the session's own wait, for the request timeouts (bounded so that no timer overflows); hold and requests as
    // on a new session: never above what this page asks, so a stored or prebound session cannot make it flood
    this.#wait = Math.min(count(wait) ?? this.#wait, MAX_WAIT);
    this.#hold = Math.min(count(hold) ?? this.#hold, this.#hold);
    this.#requests = clampRequests(count(requests), this.#hold);
    this.#nextRid = this.#nextDeliver = rid;
    this.#phase = 'verifying';
    this.#listenPageHide();
    this.#verifyId = `bosh-verify-${Math.floor(this.#timing.random() * 2 ** 32).toString(36)}`;
    const ping = new XmlElement('iq', { xmlns: NS_CLIENT, type: 'get', id: this.#verifyId, to: domain }, [new XmlElement('ping', { xmlns: NS_PING })]);
    const check = () => {
      this.#verifyTimer = undefined;
      if (this.#phase === 'verifying') this.#sendRequest('verify', {}, [], [ping]);
    };
    if (!resend || this.#requests < 2) return check();
    this.#sendRequest('resend', {});
    // spaced, so that the repeat arrives first: after the ping, servers may take the repeat for a stale request
    if (this.#timing.minSpacing > 0) this.#verifyTimer = setTimeout(() => this.#guard(check), this.#timing.minSpacing);
    else check();
  }

  #sendRequest(kind: RequestKind, attrs: Record<string, string | number | undefined>, stanzas: XmlElement[] = [], extra: XmlElement[] = []): void {
    const rid = this.#nextRid++;
    const payload = [...extra, ...stanzas].map(serializeStanza).join('');
    const req: BoshRequest = {
      rid,
      kind,
      body: wrapBody({ rid, sid: this.#sid, ...attrs }, payload),
      stanzas,
      failures: 0,
      pending: undefined,
      retryTimer: undefined,
    };
    this.#inflight.set(rid, req);
    this.#lastSentAt = Date.now();
    if (kind === 'data' && payload === '') this.#lastEmpty = { rid, sentAt: Date.now(), answeredEmpty: undefined };
    this.#transmit(req);
    this.#save();
  }

  #transmit(req: BoshRequest): void {
    const pending = post(this.#http, req.body, (this.#wait + this.#timing.timeoutMargin) * 1000);
    req.pending = pending;
    pending.done.then((outcome) => this.#guard(() => this.#onOutcome(req, pending, outcome)));
  }

  #onOutcome(req: BoshRequest, pending: PendingPost, outcome: HttpOutcome): void {
    if (this.#phase === 'done' || req.pending !== pending) return;
    req.pending = undefined;
    if (outcome.kind === 'stopped') return;
    if (outcome.kind === 'timeout') return this.#retry(req, `no answer within ${this.#wait + this.#timing.timeoutMargin} s`);
    if (outcome.kind === 'network') return this.#retry(req, outcome.detail);
    const { status, text } = outcome;
    if (status >= 500) return this.#retry(req, `HTTP ${status}`);
    if (status !== 200) {
      if (req.kind === 'resend' && this.#phase === 'verifying') return this.#answer(req, '', { ok: true, attrs: { type: 'terminate' }, children: [] });
      return this.#onHttpError(status);
    }
    const body = this.#reader.read(text);
    if (!body.ok) {
      this.#sink.rawInput(text);
      if (this.#phase === 'closing') return this.#closed('disconnected');
      return this.streamError(body.condition, body.text);
    }
    // XEP-0124 §17.3: a recoverable binding error asks for the request to be sent again
    if (body.attrs.type === 'error') return this.#retry(req, 'recoverable binding error');
    this.#answer(req, text, body);
  }

  #answer(req: BoshRequest, text: string, body: ParsedBody): void {
    this.#inflight.delete(req.rid);
    this.#answered.set(req.rid, { req, text, body });
    this.#drain();
  }

  #retry(req: BoshRequest, why: string): void {
    req.failures++;
    const setup = this.#phase === 'creating' || this.#phase === 'verifying';
    const max = setup ? Math.min(this.#maxRetries, this.#timing.setupRetries) : this.#maxRetries;
    if (req.failures > max) return this.#giveUp(why);
    const cap = setup ? this.#timing.setupMaxDelay : this.#timing.maxDelay;
    const delay = backoffDelay(req.failures, this.#timing.baseDelay, cap, this.#timing.random);
    req.retryTimer = setTimeout(() => {
      req.retryTimer = undefined;
      if (this.#phase !== 'done') this.#guard(() => this.#transmit(req));
    }, delay);
  }

  #giveUp(why: string): void {
    if (this.#phase === 'creating') return this.#finish({ kind: 'error', condition: 'remote-connection-failed', text: unreachableText(this.#service, why) });
    if (this.#phase === 'verifying') {
      // unreachable is not gone: what is stored stays for a later restore() (a refusal from the server forgets it)
      const text = `session unreachable (${why})`;
      return this.#finish({ kind: 'error', condition: 'remote-connection-failed', text }, false);
    }
    if (this.#phase === 'closing') return this.#closed(`terminate failed (${why})`);
    this.#giveBack();
    this.#finish({
      kind: 'closed',
      condition: 'remote-connection-failed',
      text: `connection lost: ${this.#maxRetries + 1} attempts failed (${why})`,
    });
  }

  #onHttpError(status: number): void {
    if (this.#phase === 'closing') return this.#closed('disconnected');
    if (this.#phase === 'creating') {
      const text = `${safeUrl(this.#service)}: HTTP ${status}, not a BOSH endpoint?`;
      return this.#finish({ kind: 'error', condition: 'remote-connection-failed', text });
    }
    if (status === 404) return this.#sessionGone();
    const condition = status === 400 ? 'bad-request' : status === 403 ? 'policy-violation' : 'undefined-condition';
    this.#finish({ kind: 'error', condition, text: `HTTP ${status}` });
  }

  /** The server does not know the session (HTTP 404 or terminate item-not-found in answer to `req`). */
  #sessionGone(req?: BoshRequest): void {
    const text = 'the server no longer has this session';
    if (this.#phase !== 'open') return this.#finish({ kind: 'error', condition: 'item-not-found', text });
    this.#giveBack(req && !this.#inflight.has(req.rid) ? req.stanzas : []);
    this.#finish({ kind: 'closed', condition: 'item-not-found', text });
  }

  // ---------------------------------------------------------------- sending

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    // one microtask later: every send() of the current task goes into the same body
    queueMicrotask(() => this.#guard(() => this.#pump()));
  }

  #pump(): void {
    this.#pumpQueued = false;
    // the window: never a rid `requests` or more above the oldest unanswered one (this bounds the requests in flight too)
    while ((this.#phase === 'open' || this.#phase === 'closing') && this.#nextRid < this.#nextDeliver + this.#requests) {
      if (this.#phase === 'closing') {
        if (!this.#terminateSent && this.#spaced()) this.#sendTerminate();
        return;
      }
      const head = this.#queue[0];
      if (head !== undefined && !this.#spaced()) return;
      if (head === RESTART) {
        this.#queue.shift();
        const restart = { to: this.#domain, 'xml:lang': this.#options.lang, 'xmpp:restart': 'true', 'xmlns:xmpp': NS_XBOSH };
        this.#sendRequest('restart', restart);
      } else if (head) {
        const batch: XmlElement[] = [];
        while (this.#queue.length > 0 && this.#queue[0] !== RESTART) batch.push(this.#queue.shift() as XmlElement);
        this.#sendRequest('data', {}, batch);
      } else {
        // an empty poll keeps `hold` requests at the server so that it can push; none while a restart is due
        if (this.#awaitingRestart || this.#inflight.size >= Math.max(1, this.#hold)) return;
        const delay = this.#pollDelay();
        if (delay > 0) {
          this.#pollTimer ??= setTimeout(() => {
            this.#pollTimer = undefined;
            this.#guard(() => this.#pump());
          }, delay);
          return;
        }
        if (!this.#spaced()) return;
        this.#sendRequest('data', {});
      }
    }
  }

  /**
   * Requests started in the same instant travel on different connections and may arrive out of order; some servers
   * (ejabberd) then hold the later one until the earlier is answered, for up to `wait` seconds. So a new request
   * starts at least `minSpacing` ms after the previous one while that one may still be on its way.
   */
  #spaced(): boolean {
    const wait = this.#inflight.size > 0 ? this.#lastSentAt + this.#timing.minSpacing - Date.now() : 0;
    if (wait <= 0) return true;
    this.#spaceTimer ??= setTimeout(() => {
      this.#spaceTimer = undefined;
      this.#guard(() => this.#pump());
    }, wait);
    return false;
  }

  /** XEP-0124 §12: two consecutive empty requests, the first answered empty, must be `polling` seconds apart. */
  #pollDelay(): number {
    const last = this.#lastEmpty;
    if (!this.#polling || !last || last.rid !== this.#nextRid - 1 || last.answeredEmpty !== true) return 0;
    return Math.max(0, last.sentAt + this.#polling * 1000 - Date.now());
  }

  #sendTerminate(): void {
    this.#terminateSent = true;
    const stanzas = this.#queue.filter((x): x is XmlElement => x !== RESTART);
    this.#queue = [];
    if (this.#closeLast) stanzas.push(this.#closeLast);
    this.#sendRequest('terminate', { type: 'terminate' }, stanzas);
  }

  // ---------------------------------------------------------------- receiving

  /** Handles the buffered responses that are next in rid order. */
  #drain(): void {
    for (let a = this.#answered.get(this.#nextDeliver); a && this.#phase !== 'done'; a = this.#answered.get(this.#nextDeliver)) {
      this.#answered.delete(this.#nextDeliver);
      this.#nextDeliver++;
      this.#handle(a);
    }
    if (this.#phase === 'done') return;
    this.#save();
    this.#schedulePump();
  }

  #handle({ req, text, body }: Answer): void {
    if (text) this.#sink.rawInput(text);
    if (this.#phase === 'done') return;
    const attrs = body.attrs;
    if (this.#lastEmpty?.rid === req.rid) this.#lastEmpty.answeredEmpty = body.children.length === 0 && attrs.type !== 'terminate';
    // a refused repeat proves nothing: the server may have seen the ping first and taken it for a stale request
    if (attrs.type === 'terminate' && req.kind === 'resend' && this.#phase === 'verifying') return;
    if (attrs.type === 'terminate') return this.#onTerminate(req, body);
    if (req.kind === 'create') {
      if (!this.#onCreated(attrs)) return;
      this.#sink.streamOpened(attrs);
    } else if (req.kind === 'restart') {
      this.#sink.streamOpened(attrs);
    } else if ((req.kind === 'verify' || req.kind === 'resend') && this.#phase === 'verifying') {
      this.#phase = 'open';
      this.#save();
      this.#sink.attached?.(this.#jid);
    }
    this.#deliver(body.children);
    if (req.kind === 'terminate') this.#closed('disconnected');
  }

  #onCreated(attrs: Record<string, string>): boolean {
    const sid = attrs.sid;
    if (!sid) {
      this.#finish({ kind: 'error', condition: 'bad-format', text: 'no sid' });
      return false;
    }
    // XEP-0206 §5: a connection manager that speaks XMPP 1.0 says so (any prefix); without it, nothing after works
    const prefix = Object.keys(attrs).find((key) => key.startsWith('xmlns:') && attrs[key] === NS_XBOSH)?.slice(6);
    const version = prefix && attrs[`${prefix}:version`];
    if (version !== '1.0') {
      this.#finish({ kind: 'error', condition: 'unsupported-version', text: `XMPP version ${version || 'missing'} in the session-creation answer` });
      return false;
    }
    this.#sid = sid;
    // XEP-0124 §7.1: the server may lower wait and hold, never raise them
    this.#wait = Math.min(intAttr(attrs, 'wait') ?? this.#wait, this.#askedWait);
    this.#hold = Math.min(intAttr(attrs, 'hold') ?? this.#hold, this.#hold);
    this.#requests = clampRequests(intAttr(attrs, 'requests'), this.#hold);
    this.#polling = Math.min(intAttr(attrs, 'polling') ?? 0, MAX_POLLING);
    this.#phase = 'open';
    return true;
  }

  #onTerminate(req: BoshRequest, body: ParsedBody): void {
    // payloads first: a <stream:error> says more than the condition, and the connection maps it
    this.#deliver(body.children);
    if (this.#phase === 'done') return;
    if (this.#phase === 'closing' || req.kind === 'terminate') return this.#closed('disconnected');
    const condition = body.attrs.condition ?? '';
    if (!condition) return this.#finish({ kind: 'closed', condition: 'server-closed', text: 'the server ended the session' });
    if (condition === 'item-not-found' && req.failures > 0 && this.#phase === 'open') {
      // a resent rid the server cannot place is not proof the session is gone: Prosody answers so, and carries on,
      // when it moved past a rid it never got (a late duplicate can make it skip one). So what it carried goes out
      // again at the head of the queue; that next request tells: a server that did end the session refuses it too,
      // and then everything unsent is handed back.
      this.#queue.unshift(...req.stanzas);
      return;
    }
    if (condition === 'item-not-found') return this.#sessionGone(req);
    const uri = condition === 'see-other-uri' ? body.children.find((c) => c.localName === 'uri')?.text().trim() : undefined;
    if (uri && this.#phase === 'creating') return this.#finish({ kind: 'redirect', condition, text: `redirect to ${uri}`, uri });
    this.#finish({ kind: 'error', condition, text: terminateText(condition) });
  }

  #deliver(children: XmlElement[]): void {
    for (const el of children) {
      if (this.#phase === 'done') return;
      if (el.localName === 'iq' && this.#verifyId !== undefined && el.attrs.id === this.#verifyId) {
        this.#verifyId = undefined; // the answer to our own check: not the application's
        continue;
      }
      this.#sink.element(el);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  /** Hands back `refused` (refused in an answer just read), the stanzas of requests with no answer, and the queued ones, in order. */
  #giveBack(refused: XmlElement[] = []): void {
    const stanzas: XmlElement[] = [...refused];
    for (const rid of [...this.#inflight.keys()].sort((a, b) => a - b)) stanzas.push(...(this.#inflight.get(rid) as BoshRequest).stanzas);
    for (const x of this.#queue) if (x !== RESTART) stanzas.push(x);
    this.#queue = [];
    if (stanzas.length > 0) this.#sink.undelivered?.(stanzas);
  }

  #save(): void {
    if (!this.#keepalive || !this.#sid || !this.#jid || this.#phase !== 'open') return;
    saveSession(this.#service, {
      jid: this.#jid,
      sid: this.#sid,
      // not the next rid: restore() resends the oldest unanswered one (see there)
      rid: this.#nextDeliver,
      wait: this.#wait,
      hold: this.#hold,
      requests: this.#requests,
      domain: this.#domain,
    });
  }

  #listenPageHide(): void {
    if (this.#listening || typeof globalThis.addEventListener !== 'function') return;
    this.#listening = true;
    globalThis.addEventListener('pagehide', this.#onPageHide);
  }

  /** The page goes away: keep the session for restore(), or end it on the server with a request that outlives the page. */
  readonly #onPageHide = (): void =>
    this.#guard(() => {
      if (this.#phase === 'done' || !this.#sid) return;
      if (this.#keepalive) return this.#save();
      const presence = this.#phase === 'open' && this.#jid ? '<presence type="unavailable" xmlns="jabber:client"/>' : '';
      sendBeacon(this.#http, wrapBody({ rid: this.#nextRid++, sid: this.#sid, type: 'terminate' }, presence), this.#injectedFetch);
      this.#closed('the page was closed');
    });

  /**
   * Handles an event of its own (an answer, a timer): a defect there ends the session (`internal-error`) rather
   * than escape as an uncaught error or an unhandled rejection.
   */
  #guard(handle: () => void): void {
    try {
      handle();
    } catch (e) {
      this.#finish({ kind: 'error', condition: 'internal-error', text: errorText(e), defect: e });
    }
  }

  /**
   * Ends the session because the server's answer broke the rules (RFC 6120 §4.9): tells the server why, in a
   * terminate body carrying the stream error, then ends.
   */
  streamError(condition: string, text: string): void {
    if (this.#sid && (this.#phase === 'open' || this.#phase === 'verifying')) {
      const error = new XmlElement('stream:error', { 'xmlns:stream': NS_STREAMS }, [new XmlElement(condition, { xmlns: NS_STREAM_ERRORS })]);
      const body = wrapBody({ rid: this.#nextRid++, sid: this.#sid, type: 'terminate' }, error.toString());
      sendBeacon(this.#http, body, this.#injectedFetch);
    }
    this.#finish({ kind: 'error', condition, text });
  }

  /** Ends the transport once: stops every request and timer, forgets the stored session, reports `ended`. */
  #finish(end: TransportEnd, forget = true): void {
    if (this.#phase === 'done') return;
    this.#phase = 'done';
    for (const req of this.#inflight.values()) {
      req.pending?.cancel();
      clearTimeout(req.retryTimer);
    }
    this.#inflight.clear();
    this.#answered.clear();
    this.#queue = [];
    clearTimeout(this.#pollTimer);
    clearTimeout(this.#spaceTimer);
    clearTimeout(this.#verifyTimer);
    clearTimeout(this.#closeTimer);
    if (this.#listening) globalThis.removeEventListener('pagehide', this.#onPageHide);
    this.#listening = false;
    if (forget && (this.#keepalive || this.#usedStore) && this.#jid) clearSession(this.#service, this.#jid);
    this.#sink.ended(end);
  }
}

/** The server's `requests`, or hold + 1 when it gave none; never more than hold + 1 are needed, so never more are used. */
function clampRequests(requests: number | undefined, hold: number): number {
  return Math.max(1, Math.min(requests ?? hold + 1, hold + 1));
}

/** A non-negative integer option, or `undefined`. */
function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** The string-valued entries of a headers option. */
function stringRecord(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Strophe's rule: the same bare JID, or for a domain-only JID (anonymous login) the same domain. */
function sameAccount(jid: string, stored: string): boolean {
  try {
    const a = JID.parse(jid);
    const b = JID.parse(stored);
    return a.local ? a.bareEquals(b) : a.domain === b.domain;
  } catch {
    return false;
  }
}
