// The Strophe-style Connection: a thin state machine over a Transport, the stream negotiation, the IQ tracker and
// the handler table.
import { ConnectionError, IqError } from './errors.js';
import { type HandlerOptions, HandlerTable, StanzaHandler, type StanzaHandlerFn } from './handlers.js';
import { IqTracker } from './iq-tracker.js';
import { JID, JIDError } from './jid.js';
import { type Logger, redact, redactRaw } from './log.js';
import { NS_PING, NS_STANZAS, NS_STREAM_ERRORS, NS_STREAMS } from './ns.js';
import { type ConnectionOptions, checkOptions } from './options.js';
import type { Credentials, SASLMechanism, SASLMechanismClass, SaslContext, ScramKeys } from './sasl/mechanism.js';
import { MechanismRegistry } from './sasl/registry.js';
import { Status, type StatusCode } from './status.js';
import { BindStep } from './stream/bind-step.js';
import { isFeatures, Negotiation, type NegotiationOutcome } from './stream/negotiation.js';
import { SaslStep } from './stream/sasl-step.js';
import { sessionStep } from './stream/session-step.js';
import type { FeatureStep } from './stream/step.js';
import { safeUrl, type Transport, type TransportClass, type TransportEnd, type TransportOptions } from './transport/transport.js';
import { $iq, $pres, type Buildable, toElement } from './xml/builder.js';
import type { XmlElement } from './xml/element.js';
import { DEFAULT_MAX_STANZA_SIZE } from './xml/parser.js';
import { createStreamParser } from './xml/stream-parser.js';

/** Status callback: `condition` says why (RFC names where they exist), `element` is the stanza/error that caused it. */
export type StatusCallback = (status: StatusCode, condition?: string, element?: XmlElement) => void;

/** Handle of a timed handler. */
export interface TimedHandler {
  readonly period: number;
}

/** Schemes whose carrier is TLS: a redirect never leaves them for a cleartext one. */
const TLS_SCHEMES = /^(wss|https):/i;

type Phase = 'idle' | 'connecting' | 'connected' | 'disconnecting';

/** What a Connection class starts with when the application does not say otherwise. */
export interface ConnectionDefaults {
  transports: readonly TransportClass[];
  mechanisms: readonly SASLMechanismClass[];
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
  status: StatusCode = Status.DISCONNECTED;

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
  readonly #idPrefix = Math.random().toString(36).slice(2, 8);
  #idCounter = 0;

  /** @throws {@link ConnectionError} (status ERROR, condition `invalid-option`) for an option of the wrong type or range. */
  constructor(service: string, options: ConnectionOptions = {}, defaults: ConnectionDefaults = { transports: [], mechanisms: [] }) {
    checkOptions(options);
    this.service = typeof service === 'string' ? service : String(service);
    this.options = options;
    this.#transportClasses = options.transports ?? defaults.transports;
    this.#registry = new MechanismRegistry(defaults.mechanisms, options);
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
    const promise = this.#begin(callback);
    this.#credentials = typeof pass === 'string' ? { password: pass } : { ...pass };
    try {
      this.#requestedJid = JID.parse(jid);
    } catch (e) {
      this.#failNow(Status.CONNFAIL, 'improper-addressing', e instanceof JIDError ? e.message : String(e));
      return promise;
    }
    this.jid = jid;
    this.domain = this.#requestedJid.domain;
    const transport = this.#createTransport();
    if (!transport) return promise;
    this.#phase = 'connecting';
    this.#setStatus(Status.CONNECTING);
    this.#startConnectTimer();
    this.#open(transport);
    return promise;
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
    const promise = this.#begin(callback);
    let parsed: JID;
    try {
      parsed = JID.parse(jid);
    } catch (e) {
      this.#failNow(Status.ATTACHFAIL, 'improper-addressing', e instanceof JIDError ? e.message : String(e));
      return promise;
    }
    const transport = this.#createTransport(Status.ATTACHFAIL);
    if (!transport) return promise;
    if (!transport.attach) {
      this.#failNow(Status.ATTACHFAIL, 'attach-unsupported', 'attach() needs BOSH');
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
    const promise = this.#begin(callback);
    const transport = this.#createTransport(Status.ATTACHFAIL);
    if (!transport) return promise;
    if (!transport.restore) {
      this.#failNow(Status.ATTACHFAIL, 'restore-unsupported', 'restore() needs BOSH');
      return promise;
    }
    this.#phase = 'connecting';
    this.#attachMode = true;
    this.#startConnectTimer();
    transport.restore(jid);
    return promise;
  }

  /**
   * Binds a resource after BINDREQUIRED (with `explicitResourceBinding`).
   * @throws {@link ConnectionError} `not-bindable` outside BINDREQUIRED, `improper-addressing` for a resource RFC 7622 refuses.
   */
  bind(resource?: string): void {
    if (!this.#negotiation?.awaitingBind) throw new ConnectionError(Status.ERROR, 'not-bindable', 'bind() is for after BINDREQUIRED');
    if (resource) {
      try {
        new JID('', this.domain, resource);
      } catch (e) {
        throw new ConnectionError(Status.ERROR, 'improper-addressing', (e as Error).message);
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
    const transport = this.#transport;
    if (!transport || this.#phase === 'idle') {
      this.#flushDisconnectWaiters();
      return done;
    }
    if (this.#phase === 'disconnecting') return done;
    const wasOnline = this.#phase === 'connected';
    this.#phase = 'disconnecting';
    this.#setStatus(Status.DISCONNECTING, reason);
    if (wasOnline) {
      const pres = $pres({ type: 'unavailable' });
      if (reason) pres.c('status').t(reason);
      const el = pres.tree();
      this.#traceOut(el);
      transport.close(el);
    } else transport.close();
    return done;
  }

  /** Sends an element, a builder, or a list of them. */
  send(stanza: Buildable | Buildable[]): void {
    const transport = this.#requireTransport();
    for (const s of Array.isArray(stanza) ? stanza : [stanza]) {
      const el = toElement(s);
      this.#traceOut(el);
      transport.send(el);
    }
  }

  /**
   * Sends an IQ and waits for its result. The Promise resolves with the `result` stanza and rejects with an
   * {@link IqError} (its `element` is the `type="error"` stanza; `condition` `timeout` when no answer came).
   * When `onError` is given the Promise is marked handled.
   */
  sendIQ(
    iq: Buildable,
    onResult?: (stanza: XmlElement) => void,
    onError?: (stanza: XmlElement | undefined, error: IqError) => void,
    timeoutMs?: number,
  ): Promise<XmlElement> {
    const el = toElement(iq);
    el.attrs.id ??= this.getUniqueId('iq');
    const id = el.attrs.id;
    const promise = this.#iqs.track(id, el.attrs.to, timeoutMs ?? this.options.iqTimeout ?? 60000);
    // the callbacks are the application's: what they throw is reported like a throwing handler, never left as an
    // unhandled rejection; with a callback given, the Promise is the caller's to ignore
    promise.then(
      (stanza) => this.#callApp('sendIQ result callback', () => onResult?.(stanza)),
      (err: IqError) => this.#callApp('sendIQ error callback', () => onError?.(err.element, err)),
    );
    if (onResult || onError) promise.catch(() => {});
    try {
      this.send(el);
    } catch (e) {
      this.#iqs.settle(id, new IqError(undefined, 'not-connected'));
      if (!(e instanceof ConnectionError)) throw e;
    }
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

  /** Calls `handler` every `period` ms while it returns `true`. */
  addTimedHandler(period: number, handler: () => boolean | undefined | void): TimedHandler {
    const ref: TimedHandler = { period };
    const tick = () => {
      let again: boolean | undefined | void = true;
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

  #begin(callback: StatusCallback | undefined): Promise<void> {
    if (this.#transport) this.#teardown(); // a new attempt replaces the old one without a status of its own
    // ... but the old attempt's Promise ends rather than hang forever
    this.#settle?.reject(new ConnectionError(Status.DISCONNECTED, 'replaced'));
    this.#settle = undefined;
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
    return promise;
  }

  #createTransport(failStatus: StatusCode = Status.CONNFAIL): Transport | undefined {
    const cls = this.#transportClasses.find((t) => t.handles(this.service));
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
      lang: this.options.lang ?? 'en',
      closeTimeout: this.options.disconnectTimeout ?? 3000,
    };
    const transport: Transport = new cls(
      this.service,
      {
        streamOpened: () => {
          if (this.#transport === transport) this.connected = true;
        },
        element: (el) => this.#transport === transport && this.#guarded(() => this.#onElement(el)),
        ended: (end) => this.#transport === transport && this.#guarded(() => this.#onTransportEnd(end)),
        rawInput: (data) => this.#transport === transport && this.rawInput && this.#callApp('rawInput', () => this.rawInput?.(redactRaw(data))),
        undelivered: (els) => this.#transport === transport && this.#callApp('onUndelivered', () => this.options.onUndelivered?.(els)),
        attached: (jid) => this.#transport === transport && this.#guarded(() => this.#onAttached(jid)),
      },
      options,
    );
    this.#transport = transport;
    return transport;
  }

  #startConnectTimer(): void {
    clearTimeout(this.#connectTimer);
    const ms = this.options.connectTimeout ?? 30000;
    this.#connectTimer = setTimeout(() => {
      if (this.#phase === 'connected' || this.#phase === 'idle') return;
      this.#fail(Status.CONNTIMEOUT, 'connection-timeout', `not connected after ${ms} ms`, true);
    }, ms);
  }

  #onAttached(jid: string): void {
    clearTimeout(this.#connectTimer);
    this.jid = jid;
    this.domain = JID.parse(jid).domain;
    this.connected = true;
    this.authenticated = true;
    this.#phase = 'connected';
    this.#setStatus(Status.ATTACHED);
    this.#settle?.resolve();
  }

  #onElement(el: XmlElement): void {
    if (this.xmlInput) this.#callApp('xmlInput', () => this.xmlInput?.(redact(el)));
    if (el.localName === 'error' && el.getNS() === NS_STREAMS) return this.#onStreamError(el);
    if (this.#phase === 'connected' || this.#phase === 'disconnecting') return this.#dispatch(el);
    const negotiation = this.#negotiation;
    if (negotiation && isFeatures(el)) return negotiation.features(el);
    if (el.localName === 'iq' && this.#iqs.answer(el)) return;
    if (negotiation?.receive(el)) return;
    this.#log('debug', 'ignored-element', { name: el.name, phase: this.#phase });
  }

  #onStreamError(el: XmlElement): void {
    const condition = el.getChildByNS(NS_STREAM_ERRORS)?.localName ?? 'undefined-condition';
    const text = el.getChildText('text', NS_STREAM_ERRORS) ?? condition;
    if (condition === 'see-other-host') {
      this.#setStatus(Status.REDIRECT, condition, el);
      this.#fail(Status.CONNFAIL, condition, `redirect to ${el.getChildText('see-other-host') ?? '?'}`, true, el);
      return;
    }
    this.#fail(Status.CONNFAIL, condition, text, true, el);
  }

  /** Opens the stream on `transport` and negotiates its features with a fresh set of steps. */
  #open(transport: Transport): void {
    this.#negotiation?.cancel();
    const steps: FeatureStep[] = [
      new SaslStep(this.#registry, () => this.#saslContext()),
      new BindStep(this.#requestedJid as JID, this.options.explicitResourceBinding === true),
      sessionStep,
    ];
    const negotiation = new Negotiation(
      steps,
      {
        send: (el) => this.send(el),
        sendIQ: (iq) => this.sendIQ(iq),
        status: (status, condition) => this.#setStatus(status, condition),
        restart: () => transport.restart(),
        restartPending: () => transport.restartPending?.(),
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
    this.#credentials = {}; // secrets are not kept past the login
    if (!outcome.ok) {
      const f = outcome.failure;
      if (f.defect !== undefined) this.#reportError(f.defect, 'antistrophe');
      return this.#fail(f.status, f.condition, f.text, f.hangUp, f.element);
    }
    const { state } = outcome;
    this.mechanism = state.mechanism;
    this.jid = state.jid as string;
    this.#transport?.sessionBound?.(this.jid);
    this.#online();
  }

  #online(): void {
    clearTimeout(this.#connectTimer);
    this.#phase = 'connected';
    this.authenticated = true;
    this.#setStatus(Status.CONNECTED);
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  // ---------------------------------------------------------------- inbound dispatch

  #dispatch(el: XmlElement): void {
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

  /** Reports a failure status once, then closes (hangUp: without sending anything more). */
  #fail(status: StatusCode, condition: string, text: string, hangUp: boolean, element?: XmlElement): void {
    if (!this.#failure) {
      this.#failure = new ConnectionError(status, condition, text, element);
      this.#log('warn', 'failure', { status, condition, text });
      this.#setStatus(status, condition, element);
      this.#settle?.reject(this.#failure);
      this.#settle = undefined;
    }
    this.#negotiation?.cancel();
    const transport = this.#transport;
    if (!transport) return this.#finishDisconnect(condition);
    if (hangUp) transport.abort(condition, text);
    else transport.close();
  }

  /** A failure before any transport exists. */
  #failNow(status: StatusCode, condition: string, text: string): void {
    this.#fail(status, condition, text, true);
  }

  #onTransportEnd(end: TransportEnd): void {
    if (end.kind === 'redirect' && end.uri && this.#followRedirect(end.uri)) return;
    const online = this.#phase === 'connected' || this.#phase === 'disconnecting';
    if (!this.#failure && (end.kind !== 'closed' || !online)) {
      const failStatus = this.#attachMode && !online ? Status.ATTACHFAIL : Status.CONNFAIL;
      this.#failure = new ConnectionError(failStatus, end.condition || 'connection-failed', end.text);
      this.#setStatus(failStatus, end.condition || 'connection-failed');
      this.#settle?.reject(this.#failure);
      this.#settle = undefined;
    }
    this.#finishDisconnect(this.#failure?.condition ?? end.condition);
  }

  /**
   * RFC 7395 see-other-uri / XEP-0124 see-other-uri: reconnect there before authenticating, at most 3 times,
   * never from TLS (wss:, https:) to cleartext. Another host is followed: TLS (checked by the browser) vouches for it.
   */
  #followRedirect(uri: string): boolean {
    const downgrade = TLS_SCHEMES.test(this.service) && !TLS_SCHEMES.test(uri);
    if (this.#phase !== 'connecting' || this.#attachMode || downgrade || ++this.#redirects > 3) return false;
    this.#setStatus(Status.REDIRECT, 'see-other-uri');
    this.service = uri;
    const transport = this.#createTransport();
    if (transport) this.#open(transport);
    return true;
  }

  #finishDisconnect(condition: string | undefined): void {
    clearTimeout(this.#connectTimer);
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
    this.#setStatus(Status.DISCONNECTED, condition || undefined);
    if (this.#settle) {
      this.#settle.reject(new ConnectionError(Status.DISCONNECTED, condition || 'disconnected', 'disconnected before online'));
      this.#settle = undefined;
    }
    this.#flushDisconnectWaiters();
  }

  #flushDisconnectWaiters(): void {
    const waiters = this.#disconnectWaiters;
    this.#disconnectWaiters = [];
    for (const w of waiters) w();
  }

  #teardown(): void {
    const t = this.#transport;
    this.#transport = undefined;
    t?.abort('', 'replaced');
    this.#negotiation?.cancel();
    this.#negotiation = undefined;
    this.#phase = 'idle';
    // the old stream can answer nothing more: its IQs end now, not at their timeout inside the new attempt
    this.#iqs.endAll('disconnected');
  }

  // ---------------------------------------------------------------- plumbing

  #requireTransport(): Transport {
    if (!this.#transport || this.#phase === 'idle') {
      throw new ConnectionError(Status.DISCONNECTED, 'not-connected', 'not connected');
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
    try {
      fn();
    } catch (e) {
      this.#reportError(e, 'antistrophe');
      if (this.#phase !== 'idle') this.#fail(Status.CONNFAIL, 'internal-error', e instanceof Error ? e.message : String(e), true);
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

