// The Strophe-style Connection: a thin state machine over a Transport, the stream negotiation, the IQ tracker and
// the handler table.
import { ConnectionError, errorText, IqError } from './errors.js';
import { type HandlerOptions, HandlerTable, StanzaHandler, type StanzaHandlerFn } from './handlers.js';
import { IqTracker } from './iq-tracker.js';
import { JID, JIDError } from './jid.js';
import { type Logger, loadRawRedaction, redact, withRawRedaction } from './log.js';
import { NS_PING, NS_STANZAS, NS_STREAM_ERRORS, NS_STREAMS } from './ns.js';
import type { ConnectionOptions } from './options.js';
import { checkOptions, invalidOption, isDelay } from './options-check.js';
import type { Credentials, SASLMechanism, SASLMechanismClass, SaslContext, ScramKeys } from './sasl/mechanism.js';
import { MechanismRegistry } from './sasl/registry.js';
import {
  ATTACHED,
  ATTACHFAIL,
  AUTHFAIL,
  BINDREQUIRED,
  CONNECTED,
  CONNECTING,
  CONNFAIL,
  CONNTIMEOUT,
  DISCONNECTED,
  DISCONNECTING,
  ERROR,
  RECONNECTING,
  REDIRECT,
  type StatusCode,
} from './status.js';
import { BindStep } from './stream/bind-step.js';
import { isFeatures, Negotiation, type NegotiationOutcome } from './stream/negotiation.js';
import { SaslStep } from './stream/sasl-step.js';
import { sessionStep } from './stream/session-step.js';
import type { FeatureStep } from './stream/step.js';
import {
  safeUrl,
  type Transport,
  type TransportClass,
  type TransportEnd,
  type TransportOptions,
  type TransportSink,
} from './transport/transport.js';
import { coreKit } from './keeper/core-kit.js';
import type { KeeperHost, SessionKeeper } from './keeper/session-keeper.js';
import type { StreamManagementState } from './sm/stream-management.js';
import { $iq, $pres, type Buildable, toElement } from './xml/builder.js';
import type { XmlElement } from './xml/element.js';
import { DEFAULT_MAX_STANZA_SIZE, makeParser } from './xml/parser.js';
import { createStreamParser } from './xml/stream-parser.js';

/** Status callback: `condition` says why (RFC names where they exist), `element` is the stanza/error that caused it. */
export type StatusCallback = (status: StatusCode, condition?: string, element?: XmlElement) => void;

/** Handle of a timed handler. */
export interface TimedHandler {
  readonly period: number;
}

/** Schemes whose carrier is TLS: a redirect never leaves them for a cleartext one. */
const TLS_SCHEMES = /^(wss|https):/i;

/** `connecting` covers a reconnect attempt too; between attempts the phase is `reconnecting`, with no transport. */
type Phase = 'idle' | 'connecting' | 'reconnecting' | 'connected' | 'disconnecting';
/** How a failure ends the stream (see #fail). */
type StreamEnd = 'close' | 'hang-up' | 'stream-error';

/**
 * Makes the keeper of one login: XEP-0198 stream management, automatic reconnect, dead-connection detection and
 * keepalive across reloads (`antistrophe/sessions`). The full `Connection` loads it on demand; with
 * `antistrophe/core`, pass `sessionKeeper` as `options.modules.keeper` (without it, sessions just end).
 */
export type KeeperFactory = (host: KeeperHost, requested: JID | undefined) => SessionKeeper | Promise<SessionKeeper>;

/** The optional parts of a connection. */
export interface SessionModules {
  keeper?: KeeperFactory;
}

/** What a Connection class starts with when the application does not say otherwise. */
export interface ConnectionDefaults {
  transports: readonly TransportClass[];
  mechanisms: readonly SASLMechanismClass[];
  modules?: SessionModules;
}

/**
 * An XMPP client connection. The carrier is chosen from the service URL (`ws://`/`wss://` WebSocket, RFC 7395;
 * `http://`/`https://` BOSH, XEP-0124/0206). Each connection owns all of its state; two never share anything.
 */
export class CoreConnection {
  /** The service URL. */
  service: string;
  readonly options: ConnectionOptions;
  /** The JID: as given to connect(), then the full bound JID once CONNECTED. */
  jid = '';
  /** The domain being connected to. */
  domain = '';
  /** True once CONNECTED (or ATTACHED). */
  authenticated = false;
  /** True while a stream is up. */
  connected = false;
  /** Name of the SASL mechanism that logged in. */
  mechanism: string | undefined;
  /** SCRAM keys derived at the last SCRAM login: reuse them as `connect(jid, { scramKeys })` to skip the password. */
  scramKeys: ScramKeys | undefined;
  /** The current status. */
  status: StatusCode = DISCONNECTED;
  /** True when the last reconnect resumed the session (XEP-0198): nothing was lost, no new session began. */
  resumed = false;

  /** Debug hook: every element received. */
  xmlInput?: (element: XmlElement) => void;
  /** Debug hook: every element sent (SASL payloads redacted). */
  xmlOutput?: (element: XmlElement) => void;
  /** Debug hook: raw text received. */
  rawInput?: (data: string) => void;
  /** Debug hook: raw text sent (SASL payloads redacted). */
  rawOutput?: (data: string) => void;

  readonly #registry: MechanismRegistry;
  readonly #transportClasses: readonly TransportClass[];
  readonly #modules: SessionModules;
  /** The keeper of this login, once loaded; `#keeperReady` resolves to it (or undefined without one). */
  #keeper: SessionKeeper | undefined;
  #keeperReady: Promise<SessionKeeper | undefined> = Promise.resolve(undefined);
  /** From a loss until the session is back or given up: the attempts' own statuses stay inside. */
  #reconnecting = false;
  /** A failure that a reconnect can repair: the transport's end starts (or continues) reconnecting with it. */
  #pendingLoss: string | undefined;
  /** disconnect() was called: the session ends on purpose. */
  #leaving = false;
  readonly #handlers = new HandlerTable();
  readonly #timed = new Map<TimedHandler, ReturnType<typeof setTimeout>>();
  readonly #iqs = new IqTracker(() => this.jid);
  #transport: Transport | undefined;
  #negotiation: Negotiation | undefined;
  #phase: Phase = 'idle';
  #callback: StatusCallback | undefined;
  #credentials: Credentials = {};
  #requestedJid: JID | undefined;
  #failure: ConnectionError | undefined;
  #settle: { resolve: () => void; reject: (e: ConnectionError) => void } | undefined;
  #disconnectWaiters: (() => void)[] = [];
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #redirects = 0;
  #attachMode = false;
  /**
   * Bumped by every connect(), attach() and restore(). Application code (the status callback above all) may start
   * a new attempt while an older one is still reporting: the older one then stops touching the connection.
   */
  #generation = 0;
  readonly #idPrefix = Math.random().toString(36).slice(2, 8);
  #idCounter = 0;

  /** @throws {@link ConnectionError} (status ERROR, condition `invalid-option`) for an option of the wrong type or range. */
  constructor(service: string, options: ConnectionOptions = {}, defaults: ConnectionDefaults = { transports: [], mechanisms: [] }) {
    checkOptions(options);
    this.service = typeof service === 'string' ? service : String(service);
    this.options = options;
    this.#transportClasses = options.transports ?? defaults.transports;
    this.#registry = new MechanismRegistry(defaults.mechanisms, options);
    this.#modules = { ...defaults.modules, ...options.modules };
  }

  /** Registers a SASL mechanism on this connection only (a class or an instance). */
  registerSASLMechanism(mechanism: SASLMechanismClass | SASLMechanism): SASLMechanism {
    return this.#registry.register(mechanism);
  }

  /** Removes a SASL mechanism from this connection by name. */
  unregisterSASLMechanism(name: string): boolean {
    return this.#registry.unregister(name);
  }

  /** Names of the mechanisms registered on this connection. */
  get mechanisms(): string[] {
    return this.#registry.names();
  }

  /** A connection-unique id, e.g. for stanza `id` attributes. */
  getUniqueId(suffix?: string | number): string {
    const id = `${this.#idPrefix}-${++this.#idCounter}`;
    return suffix === undefined ? id : `${id}:${suffix}`;
  }

  /**
   * Connects and logs in. `pass` is a password, a {@link Credentials} object (password, token, scramKeys) or absent
   * (EXTERNAL, ANONYMOUS). The callback sees every status; the returned Promise resolves at CONNECTED and rejects
   * with a {@link ConnectionError}. With a callback the Promise never surfaces as an unhandled rejection.
   */
  connect(jid: string, pass?: string | Credentials | null, callback?: StatusCallback): Promise<void> {
    const { promise, current } = this.#begin(callback);
    if (!current()) return promise;
    this.#credentials = typeof pass === 'string' ? { password: pass } : { ...pass };
    try {
      this.#requestedJid = JID.parse(jid);
    } catch (e) {
      this.#failNow(CONNFAIL, 'improper-addressing', e instanceof JIDError ? e.message : String(e));
      return promise;
    }
    this.jid = jid;
    this.domain = this.#requestedJid.domain;
    this.#loadKeeper(this.#requestedJid);
    const transport = this.#createTransport();
    if (!transport) return promise;
    this.#phase = 'connecting';
    if (!this.#report(CONNECTING)) return promise;
    this.#startConnectTimer();
    this.#open(transport);
    return promise;
  }

  /** XEP-0198 state of this session (`undefined` when stream management is off or not available here). */
  get sm(): StreamManagementState | undefined {
    const sm = this.#keeper?.sm;
    return sm && { enabled: sm.enabled, id: sm.id, inbound: sm.inbound, outbound: sm.outbound, unacked: sm.unacked };
  }

  /**
   * Resolves once the server has acknowledged `stanza` (XEP-0198: its `h` covers it), which proves it reached the
   * server. Rejects with a {@link ConnectionError} when that can never be known: `sm-unavailable` (stream
   * management is off, or the stanza was not counted), or the condition that ended the session before the
   * acknowledgement came (the stanza then goes to `onUndelivered` or `streamManagement.onUnacked`).
   */
  acked(stanza: Buildable): Promise<void> {
    const sm = this.#keeper?.sm;
    if (!sm) return Promise.reject(new ConnectionError(ERROR, 'sm-unavailable', 'stream management is off'));
    return sm.acked(toElement(stanza));
  }

  /**
   * Takes over a prebound BOSH session (a server-side login handed `sid`/`rid` to the page). Resolves at ATTACHED.
   */
  attach(
    jid: string,
    sid: string,
    rid: number | string,
    callback?: StatusCallback,
    wait?: number,
    hold?: number,
    wind?: number,
  ): Promise<void> {
    const { promise, current } = this.#begin(callback);
    if (!current()) return promise;
    let parsed: JID;
    try {
      parsed = JID.parse(jid);
    } catch (e) {
      this.#failNow(ATTACHFAIL, 'improper-addressing', e instanceof JIDError ? e.message : String(e));
      return promise;
    }
    const transport = this.#createTransport(ATTACHFAIL);
    if (!transport) return promise;
    if (!transport.attach) {
      this.#failNow(ATTACHFAIL, 'attach-unsupported', 'attach() needs BOSH');
      return promise;
    }
    this.jid = parsed.toString();
    this.domain = parsed.domain;
    this.#phase = 'connecting';
    this.#attachMode = true;
    this.#startConnectTimer();
    transport.attach({ jid: this.jid, sid, rid: Number(rid), wait, hold, wind });
    return promise;
  }

  /**
   * Resumes the BOSH session kept in sessionStorage (`options.keepalive`) after a page reload, without a new
   * login. Resolves at ATTACHED; fails with ATTACHFAIL (and clears what was stored) when the server lost it.
   */
  restore(jid?: string, callback?: StatusCallback): Promise<void> {
    const { promise, current } = this.#begin(callback);
    if (!current()) return promise;
    const transport = this.#createTransport(ATTACHFAIL);
    if (!transport) return promise;
    if (!transport.restore) {
      this.#failNow(ATTACHFAIL, 'restore-unsupported', 'restore() needs BOSH');
      return promise;
    }
    this.#phase = 'connecting';
    this.#attachMode = true;
    this.#loadKeeper(undefined);
    this.#startConnectTimer();
    transport.restore(jid);
    return promise;
  }

  /**
   * Binds a resource after BINDREQUIRED (with `explicitResourceBinding`).
   * @throws {@link ConnectionError} `not-bindable` outside BINDREQUIRED, `improper-addressing` for a resource RFC 7622 refuses.
   */
  bind(resource?: string): void {
    if (!this.#negotiation?.awaitingBind) throw new ConnectionError(ERROR, 'not-bindable', 'bind() is for after BINDREQUIRED');
    if (resource) {
      try {
        new JID('', this.domain, resource);
      } catch (e) {
        throw new ConnectionError(ERROR, 'improper-addressing', (e as Error).message);
      }
    }
    this.#negotiation.bind(resource); // BINDREQUIRED is only reported for features that offer binding
  }

  /**
   * Sends unavailable presence, closes the stream and waits (bounded by `disconnectTimeout`) for the server's close.
   * Reports DISCONNECTING, then DISCONNECTED. Resolves once DISCONNECTED.
   */
  disconnect(reason?: string): Promise<void> {
    const done = new Promise<void>((resolve) => this.#disconnectWaiters.push(resolve));
    this.#leaving = true;
    if (this.#reconnecting) {
      // no session to close: stop trying at once, with one final status
      this.#teardown();
      this.#finishDisconnect(reason);
      return done;
    }
    const transport = this.#transport;
    if (!transport || this.#phase === 'idle') {
      this.#flushDisconnectWaiters();
      return done;
    }
    // already ending (closing, or failing: e.g. called from the CONNFAIL callback): DISCONNECTED follows anyway
    if (this.#phase === 'disconnecting' || this.#failure) return done;
    const wasOnline = this.#phase === 'connected';
    this.#phase = 'disconnecting';
    if (!this.#report(DISCONNECTING, reason)) return done;
    if (wasOnline) {
      const pres = $pres({ type: 'unavailable' });
      if (reason) pres.c('status').t(reason);
      this.#transmit(pres.tree(), false); // a full queue does not keep the connection from closing
      // the server answers before its close: what it acknowledges then is not handed back as undelivered
      this.#keeper?.requestAck();
      transport.close();
    } else transport.close();
    return done;
  }

  /**
   * Sends an element, a builder, or a list of them. While RECONNECTING stanzas wait (with stream management in
   * its queue, else up to `streamManagement.maxUnacked` of them) and go out once the session is back.
   * @throws {@link ConnectionError} `not-connected` without a session; `sm-queue-full` past `maxUnacked`.
   */
  send(stanza: Buildable | Buildable[]): void {
    for (const s of Array.isArray(stanza) ? stanza : [stanza]) {
      const el = toElement(s);
      if (this.#reconnecting && this.#keeper) this.#keeper.hold(el);
      else {
        this.#requireTransport();
        this.#transmit(el);
      }
    }
  }

  /** Sends on the stream now up, counting the stanza for stream management (past `maxUnacked` unless `bounded`). */
  #transmit(el: XmlElement, bounded = true): void {
    const transport = this.#requireTransport();
    const keeper = this.#keeper;
    const counted = keeper?.sending(el, bounded);
    this.#traceOut(el);
    transport.send(el);
    if (counted) keeper?.sent();
  }

  /** Sends on the stream now up as it is (a nonza, or a stanza going out again). */
  #sendRaw(el: XmlElement): void {
    this.#traceOut(el);
    this.#transport?.send(el);
  }

  /**
   * Sends an IQ and waits for its result. The Promise resolves with the `result` stanza and rejects with an
   * {@link IqError} (its `element` is the `type="error"` stanza; `condition` `timeout` when no answer came within
   * `timeoutMs`, default `options.iqTimeout`). When `onError` is given the Promise is marked handled.
   *
   * An `id` is generated when the IQ has none. An IQ whose `id` is that of one still waiting for its answer is
   * not sent: an answer could not tell the two apart. It fails at once with `IqError` condition `duplicate-id`;
   * the IQ already waiting is not affected.
   * @throws {@link ConnectionError} `invalid-option` when `timeoutMs` is not a delay a timer can hold (0 to 2^31 - 1 ms).
   */
  sendIQ(
    iq: Buildable,
    onResult?: (stanza: XmlElement) => void,
    onError?: (stanza: XmlElement | undefined, error: IqError) => void,
    timeoutMs?: number,
  ): Promise<XmlElement> {
    if (timeoutMs !== undefined && !isDelay(timeoutMs)) throw invalidOption('sendIQ timeoutMs must be a delay in ms (0 to 2^31 - 1)');
    const el = toElement(iq);
    el.attrs.id ??= this.getUniqueId('iq');
    const id = el.attrs.id;
    const clash = this.#iqs.has(id);
    const promise = this.#iqs.track(id, el.attrs.to, timeoutMs ?? this.options.iqTimeout ?? 60000);
    // the callbacks are the application's: what they throw is reported like a throwing handler, never left as an
    // unhandled rejection; with a callback given, the Promise is the caller's to ignore
    promise.then(
      (stanza) => this.#callApp('sendIQ result callback', () => onResult?.(stanza)),
      (err: IqError) => this.#callApp('sendIQ error callback', () => onError?.(err.element, err)),
    );
    if (onResult || onError) promise.catch(() => {});
    if (clash) return promise;
    try {
      this.send(el);
    } catch (e) {
      this.#iqs.settle(id, new IqError(undefined, 'not-connected'));
      if (!(e instanceof ConnectionError)) throw e;
    }
    return promise;
  }

  /** An IQ of the SDK's own, sent on the stream now up (also while a reconnect attempt negotiates). */
  #request(iq: XmlElement): Promise<XmlElement> {
    iq.attrs.id ??= this.getUniqueId('iq');
    const promise = this.#iqs.track(iq.attrs.id, iq.attrs.to, this.options.iqTimeout ?? 60000);
    this.#transmit(iq);
    return promise;
  }

  /** Sends a presence stanza; returns its id. */
  sendPresence(presence: Buildable): string {
    const el = toElement(presence);
    el.attrs.id ??= this.getUniqueId('pres');
    this.send(el);
    return el.attrs.id;
  }

  /**
   * Adds a stanza handler (Strophe's signature). Every given criterion must match; `ns` matches the stanza's
   * namespace or a child's. Return `true` to stay registered. A handler that throws is reported to
   * `options.onError` and stays registered.
   */
  addHandler(
    handler: StanzaHandlerFn,
    ns?: string | null,
    name?: string | null,
    type?: string | string[] | null,
    id?: string | null,
    from?: string | null,
    options?: HandlerOptions,
  ): StanzaHandler {
    return this.#handlers.add(new StanzaHandler(handler, ns, name, type, id, from, options));
  }

  /** Removes a handler added with addHandler(). */
  deleteHandler(handler: StanzaHandler): void {
    this.#handlers.delete(handler);
  }

  /**
   * Calls `handler` every `period` ms while it returns `true`.
   * @throws {@link ConnectionError} `invalid-option` when `period` is not a delay a timer can hold (0 to 2^31 - 1 ms).
   */
  addTimedHandler(period: number, handler: () => unknown): TimedHandler {
    // a period a timer cannot hold (Infinity, a string) would fire at once, again and again
    if (!isDelay(period)) throw invalidOption('addTimedHandler period must be a delay in ms (0 to 2^31 - 1)');
    const ref: TimedHandler = { period };
    const tick = () => {
      let again: unknown = true;
      try {
        again = handler();
      } catch (e) {
        this.#reportError(e, 'timed handler');
      }
      if (again === true && this.#timed.has(ref)) this.#timed.set(ref, setTimeout(tick, period));
      else this.#timed.delete(ref);
    };
    this.#timed.set(ref, setTimeout(tick, period));
    return ref;
  }

  /** Removes a timed handler. */
  deleteTimedHandler(ref: TimedHandler): void {
    clearTimeout(this.#timed.get(ref));
    this.#timed.delete(ref);
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Starts an attempt (connect, attach, restore): the one before ends without a status of its own, but its Promise
   * and disconnect() waiters settle rather than hang. `current()` turns false once application code run here or
   * later (onUndelivered, a status callback) starts yet another attempt.
   */
  #begin(callback: StatusCallback | undefined): { promise: Promise<void>; current: () => boolean } {
    const generation = ++this.#generation;
    const current = () => this.#generation === generation;
    if (this.#transport || this.#reconnecting) this.#teardown();
    const replaced = this.#takeSettle();
    const waiters = this.#takeDisconnectWaiters();
    const left = this.#endSession('replaced');
    this.#callback = callback;
    this.#failure = undefined;
    this.authenticated = false;
    this.mechanism = undefined;
    this.#redirects = 0;
    this.#attachMode = false;
    this.#requestedJid = undefined;
    const promise = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    if (callback) promise.catch(() => {});
    replaced?.reject(new ConnectionError(DISCONNECTED, 'replaced'));
    for (const w of waiters) w();
    this.#handBack(left);
    return { promise, current };
  }

  /** The Promise of the attempt under way, taken so that it settles exactly once. */
  #takeSettle(): { resolve: () => void; reject: (e: ConnectionError) => void } | undefined {
    const settle = this.#settle;
    this.#settle = undefined;
    return settle;
  }

  /** Reports a status; false when the callback started another attempt, which now owns the connection. */
  #report(status: StatusCode, condition?: string, element?: XmlElement): boolean {
    const generation = this.#generation;
    this.#setStatus(status, condition, element);
    return this.#generation === generation;
  }

  /** The configured transport class for this URL (a `handles()` that throws counts as no). */
  #transportFor(uri: string): TransportClass | undefined {
    return this.#transportClasses.find((t) => {
      try {
        return t.handles(uri) === true;
      } catch {
        return false;
      }
    });
  }

  /**
   * A new transport for the service, or a failure reported with `failStatus`: no transport for the URL
   * (`improper-addressing`), one that refuses its options (its condition, e.g. `invalid-option` for a parser
   * factory that returns no parser), one whose constructor throws (`internal-error`, the exception to onError).
   */
  #createTransport(failStatus: StatusCode = CONNFAIL): Transport | undefined {
    // the stream before (one that redirected, one that was lost) is over: a failure now must not wait for its end
    this.#transport = undefined;
    const cls = this.#transportFor(this.service);
    if (!cls) {
      this.#failNow(
        failStatus,
        'improper-addressing',
        `no transport for ${safeUrl(this.service)} (ws:, wss:, http:, https:)`,
      );
      return undefined;
    }
    const options: TransportOptions = {
      ...this.options,
      parser: this.options.parser ?? createStreamParser,
      maxStanzaSize: this.options.maxStanzaSize ?? DEFAULT_MAX_STANZA_SIZE,
      maxDepth: this.options.maxDepth,
      lang: this.options.lang ?? 'en',
      closeTimeout: this.options.disconnectTimeout ?? 3000,
    };
    // loaded before the first data, so that the hook is called as it comes
    if (this.rawInput) void loadRawRedaction();
    let transport: Transport | undefined;
    // what a transport reports before its constructor returned, or after it was replaced, is not this attempt's
    const mine = () => transport !== undefined && this.#transport === transport;
    const sink: TransportSink = {
      streamOpened: () => {
        if (mine()) this.connected = true;
      },
      element: (el) => mine() && this.#guarded(() => this.#onElement(el)),
      ended: (end) => mine() && this.#guarded(() => this.#onTransportEnd(end)),
      rawInput: (data) =>
        mine() && this.rawInput && withRawRedaction((redactRaw) => this.#callApp('rawInput', () => this.rawInput?.(redactRaw(data)))),
      undelivered: (els) => mine() && this.#undelivered(els),
      attached: (jid) => mine() && this.#guarded(() => this.#onAttached(jid)),
    };
    try {
      transport = new cls(this.service, sink, options);
    } catch (e) {
      if (e instanceof ConnectionError) this.#failNow(failStatus, e.condition, e.text);
      else {
        this.#reportError(e, 'transport constructor');
        this.#failNow(failStatus, 'internal-error', `the ${cls.name || 'transport'} could not be built: ${errorText(e)}`);
      }
      return undefined;
    }
    this.#transport = transport;
    return transport;
  }

  /**
   * Stanzas a transport could not deliver (BOSH after its retries). Stream management resends what the server
   * did not acknowledge anyway; a reconnect without it sends them again on the new session; else the app gets them.
   */
  #undelivered(stanzas: XmlElement[]): void {
    if (this.#keeper?.undelivered(stanzas, this.#phase === 'connected')) return;
    this.#callApp('onUndelivered', () => this.options.onUndelivered?.(stanzas));
  }

  #startConnectTimer(): void {
    clearTimeout(this.#connectTimer);
    const ms = this.options.connectTimeout ?? 30000;
    this.#connectTimer = setTimeout(() => {
      if (this.#phase === 'connected' || this.#phase === 'idle') return;
      // a <resume/> the server never answered is not tried again: the next attempt starts a new session
      if (this.#negotiation?.state.resuming) this.#keeper?.resumeUnanswered();
      this.#fail(CONNTIMEOUT, 'connection-timeout', `not connected after ${ms} ms`, 'hang-up');
    }, ms);
  }

  #onAttached(jid: string): void {
    clearTimeout(this.#connectTimer);
    this.jid = jid;
    this.domain = JID.parse(jid).domain;
    // the same stream goes on: so does the stream management an earlier page kept for it
    this.#keeper?.attached(jid);
    this.connected = true;
    this.authenticated = true;
    this.#phase = 'connected';
    this.#takeSettle()?.resolve();
    this.#setStatus(ATTACHED);
  }

  #onElement(el: XmlElement): void {
    this.#keeper?.activity();
    if (this.xmlInput) this.#callApp('xmlInput', () => this.xmlInput?.(redact(el)));
    if (el.localName === 'error' && el.getNS() === NS_STREAMS) return this.#onStreamError(el);
    if (this.#phase === 'connected' || this.#phase === 'disconnecting') return this.#dispatch(el);
    const negotiation = this.#negotiation;
    if (negotiation && isFeatures(el)) return negotiation.features(el);
    if (negotiation?.holdResumed(el)) return;
    if (el.localName === 'iq' && this.#iqs.answer(el)) return;
    if (negotiation?.receive(el)) return;
    this.#log('debug', 'ignored-element', { name: el.name, phase: this.#phase });
  }

  #onStreamError(el: XmlElement): void {
    const condition = el.getChildByNS(NS_STREAM_ERRORS)?.localName ?? 'undefined-condition';
    const text = el.getChildText('text', NS_STREAM_ERRORS) ?? condition;
    if (condition === 'see-other-host') {
      if (!this.#report(REDIRECT, condition, el)) return;
      this.#fail(CONNFAIL, condition, `redirect to ${el.getChildText('see-other-host') ?? '?'}`, 'hang-up', el);
      return;
    }
    this.#fail(CONNFAIL, condition, text, 'hang-up', el);
  }

  /** Opens the stream on `transport` and negotiates its features with a fresh set of steps. */
  #open(transport: Transport): void {
    this.#negotiation?.cancel();
    const steps: FeatureStep[] = [
      new SaslStep(this.#registry, () => this.#saslContext()),
      this.#keeperStep((k) => k.beforeBind),
      new BindStep(this.#requestedJid as JID, this.options.explicitResourceBinding === true),
      sessionStep,
      this.#keeperStep((k) => k.afterBind),
    ];
    const negotiation = new Negotiation(
      steps,
      {
        // a step that goes on after its attempt was replaced (from a status callback) reaches nothing
        send: (el) => this.#transport === transport && this.#transmit(el),
        sendIQ: (iq) => (this.#transport === transport ? this.#request(iq) : Promise.reject(new IqError(undefined, 'replaced'))),
        // a reconnect shows RECONNECTING, then CONNECTED: its attempts' own steps stay inside
        status: (status, condition) => (!this.#reconnecting || status === BINDREQUIRED) && this.#setStatus(status, condition),
        restart: () => transport.restart(),
        restartPending: () => transport.restartPending?.(),
        forgetIQ: (id) => this.#iqs.settle(id, new IqError(undefined, 'cancelled')),
        pipelining: transport.pipelinesRestart === true && this.options.pipelining !== false,
      },
      // what a negotiation that was replaced or cancelled would say is not this attempt's business
      (outcome) => this.#negotiation === negotiation && this.#guarded(() => this.#negotiated(outcome)),
    );
    this.#negotiation = negotiation;
    transport.open(this.domain);
  }

  #saslContext(): Omit<SaslContext, 'failedMechanisms' | 'signal'> {
    const jid = this.#requestedJid as JID;
    const creds = this.#credentials;
    const whitelisted = this.options.mechanisms ? this.#registry.allowed() : undefined;
    return {
      authcid: jid.local,
      authzid: creds.authzid && creds.authzid !== jid.bare ? creds.authzid : undefined,
      jid: jid.toString(),
      domain: jid.domain,
      password: creds.password,
      token: creds.token,
      scramKeys: creds.scramKeys,
      secure: this.#transport?.secure ?? false,
      allowInsecurePasswords: this.options.allowInsecurePasswords ?? false,
      service: this.service,
      whitelisted,
      setScramKeys: (keys) => {
        this.scramKeys = keys;
      },
    };
  }

  #negotiated(outcome: NegotiationOutcome): void {
    this.#negotiation = undefined;
    if (!outcome.ok) {
      const f = outcome.failure;
      const generation = this.#generation;
      if (f.how.defect !== undefined) this.#reportError(f.how.defect, 'antistrophe');
      if (this.#generation !== generation) return; // onError started another attempt
      if (f.how.retry) return this.#retry(f.condition, f.text);
      return this.#fail(f.status, f.condition, f.text, f.how.streamError ? 'stream-error' : f.how.hangUp ? 'hang-up' : 'close', f.element);
    }
    const { state } = outcome;
    this.mechanism = state.mechanism;
    this.jid = state.jid as string;
    this.resumed = state.resumed;
    this.#keepCredentialsForReconnect();
    this.#transport?.sessionBound?.(this.jid);
    const afterLoss = this.#reconnecting;
    this.#reconnecting = false;
    this.#phase = 'connected';
    const generation = this.#generation;
    this.#online(this.#keeper?.online(state.resumed, afterLoss));
    // what came with the last step's answer is the session's: dispatched and counted now, in order
    for (const el of outcome.held) if (this.#generation === generation && this.#phase === 'connected') this.#dispatch(el);
  }

  /**
   * Secrets are not kept past the login, unless a reconnect may need them: then what logs in again is kept in
   * memory, SCRAM's derived keys in place of the password where SCRAM logged in.
   */
  #keepCredentialsForReconnect(): void {
    if (!this.#keeper?.reconnects) {
      this.#credentials = {};
      return;
    }
    const keys = this.scramKeys;
    if (keys && keys.mechanism === this.mechanism) this.#credentials = { ...this.#credentials, password: undefined, scramKeys: keys };
  }

  #online(condition?: string): void {
    clearTimeout(this.#connectTimer);
    this.#phase = 'connected';
    this.authenticated = true;
    this.#takeSettle()?.resolve();
    this.#setStatus(CONNECTED, condition);
  }

  // ---------------------------------------------------------------- surviving the network

  /** Starts loading this login's keeper (stream management, reconnect, heartbeat), unless none is available. */
  #loadKeeper(requested: JID | undefined): void {
    const make = this.#modules.keeper;
    const { streamManagement, reconnect, pingInterval } = this.options;
    // a keeper whose login was replaced (its reconnect timer may still fire) no longer reaches the connection
    const generation = this.#generation;
    const live = () => this.#generation === generation;
    this.#keeper = undefined;
    if (!make || (streamManagement === false && !reconnect && pingInterval === 0)) {
      this.#keeperReady = Promise.resolve(undefined);
      return;
    }
    const host: KeeperHost = {
      options: this.options,
      kit: coreKit,
      service: this.service,
      domain: this.domain,
      sendRaw: (el) => live() && this.#sendRaw(el),
      transmit: (el) => live() && this.#transmit(el),
      request: (iq) => (live() ? this.#request(iq) : Promise.reject(new IqError(undefined, 'replaced'))),
      reconnecting: (condition) => live() && this.#setStatus(RECONNECTING, condition),
      attempt: () => live() && this.#guarded(() => this.#attempt()),
      giveUp: (condition) => {
        if (!live()) return;
        this.#reconnecting = false;
        this.#finishDisconnect(condition);
      },
      streamError: (condition, text) => live() && this.#fail(CONNFAIL, condition, text, 'stream-error'),
      abort: (condition, text) => live() && this.#transport?.abort(condition, text),
      transportKind: () => this.#transport?.kind,
      parse: (xml) => this.#parseKept(xml),
      callApp: (where, fn) => this.#callApp(where, fn),
      log: (event, fields) => this.#log('debug', event, fields),
    };
    const ready = Promise.resolve()
      .then(() => make(host, requested))
      .then(
        (keeper) => {
          // a keeper that arrives after its login was replaced or ended is not needed any more
          if (this.#keeperReady === ready) this.#keeper = keeper;
          return this.#keeper;
        },
        (e: unknown) => {
          this.#reportError(e, 'session keeper');
          return undefined;
        },
      );
    this.#keeperReady = ready;
  }

  /** A feature step of the keeper's (it may still be loading: the step waits for it). */
  #keeperStep(pick: (keeper: SessionKeeper) => FeatureStep): FeatureStep {
    return {
      early: (ctx) => {
        if (this.#keeper) pick(this.#keeper).early?.(ctx);
      },
      negotiate: async (features, ctx) => {
        const keeper = await this.#keeperReady;
        // the keeper of a later attempt is not this negotiation's
        return keeper && !ctx.signal.aborted ? pick(keeper).negotiate(features, ctx) : undefined;
      },
    };
  }

  /** One stanza kept by an earlier page, read back with the configured parser. */
  #parseKept(xml: string): XmlElement | undefined {
    let out: XmlElement | undefined;
    const parser = makeParser(
      this.options.parser ?? createStreamParser,
      { onStreamStart: () => {}, onStreamEnd: () => {}, onError: () => {}, onElement: (el) => (out ??= el) },
      { fragment: true, maxStanzaSize: this.options.maxStanzaSize ?? DEFAULT_MAX_STANZA_SIZE },
    );
    parser.write(xml);
    return out;
  }

  /** One reconnect attempt: a new transport, the login again, then resume or a new session. */
  #attempt(): void {
    const transport = this.#createTransport();
    if (!transport) return;
    this.#phase = 'connecting';
    this.#failure = undefined;
    this.#startConnectTimer();
    this.#open(transport);
  }

  /** This stream cannot go on, but the login can (a kept session went bad): it ends, a new stream logs in at once. */
  #retry(condition: string, text: string): void {
    const old = this.#transport;
    this.#transport = undefined; // what the old one still reports is not this attempt's business
    old?.streamError(condition, text);
    this.#attempt();
  }

  /** The session was lost (or an attempt to bring it back failed) with a repairable condition. */
  #lose(condition: string): void {
    const first = this.#phase === 'connected';
    this.#reconnecting = true;
    this.#pendingLoss = undefined;
    this.#transport = undefined;
    this.connected = false;
    this.#negotiation?.cancel();
    this.#negotiation = undefined;
    clearTimeout(this.#connectTimer);
    this.#phase = 'reconnecting';
    this.#keeper?.lost(condition, first);
  }

  /** Whether a failure with `condition` now is one a reconnect repairs: online (or trying to be again), not final. */
  #mayReconnect(condition: string): boolean {
    const live = this.#phase === 'connected' || this.#reconnecting;
    return live && !this.#attachMode && this.#keeper?.repairable(condition) === true;
  }

  /**
   * The session is over here: what stream management never saw acknowledged, and what waited, is handed back. A
   * session lost (not ended with disconnect() or by a new login) stays kept for keepalive's next login to resume.
   */
  #endSession(reason: string): XmlElement[] {
    // given up after maxAttempts, the session was merely lost too: the server may still hold it
    const lost = (this.#phase === 'connected' || this.#phase === 'reconnecting') && !this.#leaving;
    const left = this.#keeper?.end(reason, !lost) ?? [];
    this.#keeper = undefined;
    this.#keeperReady = Promise.resolve(undefined);
    this.#leaving = false;
    this.#reconnecting = false;
    this.resumed = false;
    return left;
  }

  /** Hands what #endSession returned to the application (last: its code may start another attempt). */
  #handBack(left: XmlElement[]): void {
    if (left.length > 0) this.#callApp('onUndelivered', () => this.options.onUndelivered?.(left));
  }

  // ---------------------------------------------------------------- inbound dispatch

  #dispatch(el: XmlElement): void {
    const keeper = this.#keeper;
    if (keeper?.received(el)) return;
    this.#handle(el);
    keeper?.handled(el); // counted once handled, as XEP-0198 §4 asks
  }

  #handle(el: XmlElement): void {
    const type = el.attrs.type;
    if (el.localName === 'iq' && (type === 'result' || type === 'error') && this.#iqs.answer(el)) return;
    const matched = this.#handlers.dispatch(el, (e) => this.#reportError(e, `handler for <${el.name}>`));
    if (matched === 0 && el.localName === 'iq' && (type === 'get' || type === 'set')) this.#answerUnhandledIq(el);
  }

  /** XEP-0199 pings are answered; any other IQ get/set no handler took gets service-unavailable (RFC 6120 §8.4). */
  #answerUnhandledIq(iq: XmlElement): void {
    if (this.#phase !== 'connected') return;
    const reply = $iq({ type: 'result', id: iq.attrs.id, to: iq.attrs.from });
    if (!(iq.attrs.type === 'get' && iq.getChild('ping', NS_PING))) {
      reply.attrs({ type: 'error' }).c('error', { type: 'cancel' }).c('service-unavailable', { xmlns: NS_STANZAS });
    }
    this.send(reply);
  }

  // ---------------------------------------------------------------- failure and teardown

  /**
   * Reports a failure status once, then ends the stream: `close` in order, `hang-up` without another byte,
   * `stream-error` telling the server what it broke (RFC 6120 §4.9).
   */
  #fail(status: StatusCode, condition: string, text: string, end: StreamEnd = 'close', element?: XmlElement): void {
    if (status !== AUTHFAIL && !this.#failure && this.#mayReconnect(condition)) {
      // not the end: the transport's end starts (or continues) reconnecting
      this.#pendingLoss = condition;
      this.#negotiation?.cancel();
      const transport = this.#transport;
      if (!transport) return this.#lose(condition);
      if (end === 'stream-error') transport.streamError(condition, text);
      else transport.abort(condition, text);
      return;
    }
    if (!this.#failure) {
      const failure = new ConnectionError(status, condition, text, element);
      this.#failure = failure;
      this.#log('warn', 'failure', { status, condition, text });
      this.#takeSettle()?.reject(failure);
      if (!this.#report(status, condition, element)) return;
    }
    this.#negotiation?.cancel();
    const transport = this.#transport;
    if (!transport) return this.#finishDisconnect(condition);
    if (end === 'hang-up') transport.abort(condition, text);
    else if (end === 'stream-error') transport.streamError(condition, text);
    else transport.close();
  }

  /** A failure before any transport exists. */
  #failNow(status: StatusCode, condition: string, text: string): void {
    this.#fail(status, condition, text, 'hang-up');
  }

  #onTransportEnd(end: TransportEnd): void {
    if (end.defect !== undefined) this.#reportError(end.defect, `${this.#transport?.kind ?? 'transport'} event`);
    if (end.kind === 'redirect' && end.uri) {
      const refused = this.#redirectRefused(end.uri);
      if (!refused) return this.#followRedirect(end.uri);
      end = { ...end, text: refused };
    }
    const loss = this.#pendingLoss ?? (end.kind === 'redirect' ? undefined : end.condition || 'connection-lost');
    if (loss && !this.#failure && this.#phase !== 'disconnecting' && this.#mayReconnect(loss)) return this.#lose(loss);
    const online = this.#phase === 'connected' || this.#phase === 'disconnecting';
    if (!this.#failure && (end.kind !== 'closed' || !online)) {
      const failStatus = this.#attachMode && !online ? ATTACHFAIL : CONNFAIL;
      const failure = new ConnectionError(failStatus, end.condition || 'connection-failed', end.text);
      this.#failure = failure;
      this.#takeSettle()?.reject(failure);
      if (!this.#report(failStatus, failure.condition)) return;
    }
    this.#finishDisconnect(this.#failure?.condition ?? end.condition);
  }

  /**
   * RFC 7395 see-other-uri / XEP-0124 see-other-uri: followed before authenticating, at most 3 times, never from
   * TLS (wss:, https:) to cleartext, and only to a URI a configured transport handles (a relative or malformed one
   * is not). Another host is followed: TLS (checked by the browser) vouches for it. Returns why not, or undefined.
   */
  #redirectRefused(uri: string): string | undefined {
    if (this.#phase !== 'connecting' || this.#attachMode) return 'redirect after the login began';
    if (!this.#transportFor(uri)) return 'redirect to a URI no transport handles';
    if (TLS_SCHEMES.test(this.service) && !TLS_SCHEMES.test(uri)) return 'redirect from TLS to cleartext';
    if (++this.#redirects > 3) return 'more than 3 redirects';
    return undefined;
  }

  /** Reconnects to where the server redirected (see #redirectRefused). */
  #followRedirect(uri: string): void {
    if (!this.#report(REDIRECT, 'see-other-uri')) return;
    this.service = uri;
    const transport = this.#createTransport();
    if (transport) this.#open(transport);
  }

  /**
   * Everything of the attempt is cleared and its Promise settled before application code runs (onUndelivered,
   * the DISCONNECTED callback): a connect() from there starts on a clean connection.
   */
  #finishDisconnect(condition: string | undefined): void {
    clearTimeout(this.#connectTimer);
    const left = this.#endSession(condition || 'disconnected');
    this.#pendingLoss = undefined;
    this.#transport = undefined;
    this.#negotiation?.cancel();
    this.#negotiation = undefined;
    this.#credentials = {};
    this.connected = false;
    this.authenticated = false;
    this.#phase = 'idle';
    this.#iqs.endAll('disconnected');
    for (const t of this.#timed.values()) clearTimeout(t);
    this.#timed.clear();
    this.#handlers.clear();
    this.#takeSettle()?.reject(new ConnectionError(DISCONNECTED, condition || 'disconnected', 'disconnected before online'));
    const waiters = this.#takeDisconnectWaiters();
    const generation = this.#generation;
    this.#handBack(left);
    if (this.#generation === generation) this.#setStatus(DISCONNECTED, condition || undefined);
    for (const w of waiters) w();
  }

  #flushDisconnectWaiters(): void {
    for (const w of this.#takeDisconnectWaiters()) w();
  }

  #takeDisconnectWaiters(): (() => void)[] {
    const waiters = this.#disconnectWaiters;
    this.#disconnectWaiters = [];
    return waiters;
  }

  #teardown(): void {
    const t = this.#transport;
    this.#transport = undefined;
    this.#reconnecting = false;
    this.#keeper?.stop();
    t?.abort('', 'replaced');
    this.#negotiation?.cancel();
    this.#negotiation = undefined;
    this.#phase = 'idle';
    this.connected = false;
    // the old stream can answer nothing more: its IQs end now, not at their timeout inside the new attempt
    this.#iqs.endAll('disconnected');
  }

  // ---------------------------------------------------------------- plumbing

  #requireTransport(): Transport {
    if (!this.#transport || this.#phase === 'idle') {
      throw new ConnectionError(DISCONNECTED, 'not-connected', 'not connected');
    }
    return this.#transport;
  }

  #traceOut(el: XmlElement): void {
    if (!this.xmlOutput && !this.rawOutput && !this.options.logger?.debug) return;
    const safe = redact(el);
    try {
      this.xmlOutput?.(safe);
      this.rawOutput?.(safe.toString());
    } catch (e) {
      this.#reportError(e, 'xmlOutput/rawOutput');
    }
    this.#log('debug', 'send', { name: el.name, id: el.attrs.id });
  }

  #setStatus(status: StatusCode, condition?: string, element?: XmlElement): void {
    this.status = status;
    this.#log('info', 'status', { status, condition });
    if (!this.#callback) return;
    try {
      this.#callback(status, condition, element);
    } catch (e) {
      this.#reportError(e, 'status callback');
    }
  }

  /** Writes to the application's logger, whose failures stay its own. */
  #log(level: 'debug' | 'info' | 'warn', event: string, fields: Record<string, unknown>): void {
    const logger = this.options.logger;
    if (logger?.[level]) this.#callApp('logger', () => logger[level]?.(event, fields));
  }

  /** Runs application code: what it throws is reported, never thrown into the SDK or left as an unhandled rejection. */
  #callApp(where: string, fn: () => unknown): void {
    try {
      fn();
    } catch (e) {
      this.#reportError(e, where);
    }
  }

  /**
   * Runs the SDK's own reaction to an event. An exception there is a defect, but it must neither escape into the
   * page (an uncaught error in a socket callback) nor stall the login: it is reported and ends the attempt.
   */
  #guarded(fn: () => void): void {
    const generation = this.#generation;
    try {
      fn();
    } catch (e) {
      this.#reportError(e, 'antistrophe');
      // (not when the exception came from an attempt that application code has since replaced)
      if (this.#phase !== 'idle' && this.#generation === generation) this.#fail(CONNFAIL, 'internal-error', errorText(e), 'hang-up');
    }
  }

  #reportError(error: unknown, where: string): void {
    try {
      if (this.options.onError) return this.options.onError(error, where);
      const logger: Logger | undefined = this.options.logger;
      if (logger?.error) return logger.error('handler-error', { where, error });
    } catch {
      // the reporter itself failed: fall back to the console rather than lose the first error
    }
    console.error(`antistrophe: ${where} threw`, error);
  }
}

