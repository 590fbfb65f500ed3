// The Strophe-style Connection: a thin state machine over a Transport, the SASL negotiator and the handler table.
import { ConnectionError, IqError } from './errors.js';
import { type HandlerOptions, HandlerTable, StanzaHandler, type StanzaHandlerFn } from './handlers.js';
import { JID, JIDError } from './jid.js';
import { type Logger, redact, redactRaw } from './log.js';
import { NS_BIND, NS_PING, NS_SASL, NS_SESSION, NS_STANZAS, NS_STREAM_ERRORS, NS_STREAMS } from './ns.js';
import { type ConnectionOptions, checkOptions } from './options.js';
import type { Credentials, SASLMechanism, SASLMechanismClass, SaslContext, ScramKeys } from './sasl/mechanism.js';
import { SaslNegotiator, type SaslOutcome } from './sasl/negotiator.js';
import { MechanismRegistry } from './sasl/registry.js';
import { Status, type StatusCode } from './status.js';
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

type Phase = 'idle' | 'connecting' | 'authenticating' | 'binding' | 'bindrequired' | 'connected' | 'disconnecting';

interface PendingIq {
  to: string | undefined;
  resolve: (el: XmlElement) => void;
  reject: (err: IqError) => void;
  timer: ReturnType<typeof setTimeout>;
}

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
  readonly #iqs = new Map<string, PendingIq>();
  #transport: Transport | undefined;
  #negotiator: SaslNegotiator | undefined;
  #phase: Phase = 'idle';
  #callback: StatusCallback | undefined;
  #credentials: Credentials = {};
  #requestedJid: JID | undefined;
  #failure: ConnectionError | undefined;
  #settle: { resolve: () => void; reject: (e: ConnectionError) => void } | undefined;
  #disconnectWaiters: (() => void)[] = [];
  #connectTimer: ReturnType<typeof setTimeout> | undefined;
  #features: XmlElement | undefined;
  #redirects = 0;
  #attachMode = false;
  /** The bind request of the current stream went out (behind the restart, when pipelined). */
  #bindSent = false;
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
    transport.open(this.domain);
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
    if (this.#phase !== 'bindrequired') throw new ConnectionError(Status.ERROR, 'not-bindable', 'bind() is for after BINDREQUIRED');
    if (resource) {
      try {
        new JID('', this.domain, resource);
      } catch (e) {
        throw new ConnectionError(Status.ERROR, 'improper-addressing', (e as Error).message);
      }
    }
    this.#sendBind(resource); // BINDREQUIRED is only reported for features that offer binding
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
    const promise = new Promise<XmlElement>((resolve, reject) => {
      const timeout = timeoutMs ?? this.options.iqTimeout ?? 60000;
      const timer = setTimeout(() => this.#settleIq(id, new IqError(undefined, 'timeout')), timeout);
      this.#iqs.set(id, { to: el.attrs.to, resolve, reject, timer });
    });
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
      this.#settleIq(id, new IqError(undefined, 'not-connected'));
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
    this.#features = undefined;
    this.#redirects = 0;
    this.#attachMode = false;
    this.#bindSent = false;
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
      maxDepth: this.options.maxDepth,
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
    if (el.localName === 'features' && el.getNS() === NS_STREAMS) return this.#onFeatures(el);
    // a poll must not take the restarted stream's features while the outcome is being checked
    if (this.#negotiator && el.is('success', NS_SASL)) this.#transport?.restartPending?.();
    if (this.#negotiator?.receive(el)) return;
    if (this.#phase === 'binding' && el.localName === 'iq' && this.#settleIqFrom(el)) return;
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

  #onFeatures(features: XmlElement): void {
    this.#features = features;
    if (this.#phase === 'connecting') {
      const mechs = features.getChild('mechanisms', NS_SASL);
      if (!mechs) {
        return this.#fail(Status.CONNFAIL, 'no-auth-mech', 'no SASL mechanisms offered', false);
      }
      this.#phase = 'authenticating';
      this.#setStatus(Status.AUTHENTICATING);
      this.#negotiator = new SaslNegotiator(
        this.#registry,
        this.#saslContext(),
        (el) => this.send(el),
        (outcome) => this.#guarded(() => this.#onSaslOutcome(outcome)),
      );
      this.#negotiator.start(mechs.getChildren('mechanism').map((m) => m.text().trim()));
      return;
    }
    if (this.#phase === 'binding') {
      if (!features.getChild('bind', NS_BIND)) return this.#fail(Status.CONNFAIL, 'bind-unavailable', 'no resource binding offered', false);
      if (this.#bindSent) return; // pipelined: the request went out before these features
      if (this.options.explicitResourceBinding) {
        this.#phase = 'bindrequired';
        return this.#setStatus(Status.BINDREQUIRED);
      }
      this.#sendBind(this.#requestedJid?.resource || undefined);
    }
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

  #onSaslOutcome(outcome: SaslOutcome): void {
    this.#negotiator = undefined;
    this.#credentials = {}; // secrets are not kept past the exchange
    if (!outcome.ok) return this.#fail(Status[outcome.status], outcome.condition, outcome.text, outcome.hangUp);
    this.mechanism = outcome.mechanism;
    this.#phase = 'binding';
    this.#features = undefined; // the pre-SASL stream's: binding and session look at the restarted stream's
    const transport = this.#transport;
    transport?.restart();
    // every client-to-server stream offers binding (RFC 6120 §7.2): ask for it now rather than one round trip later
    if (transport?.pipelinesRestart && this.options.pipelining !== false && !this.options.explicitResourceBinding) {
      this.#sendBind(this.#requestedJid?.resource || undefined);
    }
  }

  #sendBind(resource: string | undefined): void {
    this.#phase = 'binding';
    this.#bindSent = true;
    const iq = $iq({ type: 'set', id: this.getUniqueId('bind') }).c('bind', { xmlns: NS_BIND });
    if (resource) iq.c('resource').t(resource);
    // answers that come after this attempt was replaced or failed are not this attempt's business
    const transport = this.#transport;
    this.sendIQ(iq).then(
      (result) => this.#transport === transport && this.#onBound(result),
      (err: IqError) => this.#transport === transport && this.#fail(Status.CONNFAIL, err.condition, `bind: ${err.message}`, false, err.element),
    );
  }

  #onBound(result: XmlElement): void {
    const bound = result.getChild('bind', NS_BIND)?.getChildText('jid')?.trim();
    const jid = JID.tryParse(bound ?? '');
    if (!jid?.local || !jid.resource) return this.#fail(Status.CONNFAIL, 'bad-bind-result', 'the server bound no valid full JID', false, result);
    // the account asked for; a domain-only JID (ANONYMOUS, EXTERNAL "whoever my certificate says") asks for its domain
    const asked = this.#requestedJid;
    if (asked && !(asked.local ? jid.bareEquals(asked) : jid.toBare().bareEquals(new JID(jid.local, asked.domain)))) {
      return this.#fail(Status.AUTHFAIL, 'identity-mismatch', `logged in as ${jid.bare}, not ${asked.bare}`, false);
    }
    this.jid = jid.toString();
    this.#transport?.sessionBound?.(this.jid);
    const session = this.#features?.getChild('session', NS_SESSION);
    if (session && !session.getChild('optional')) {
      const transport = this.#transport;
      this.sendIQ($iq({ type: 'set' }).c('session', { xmlns: NS_SESSION })).then(
        () => this.#transport === transport && this.#online(),
        (err: IqError) => this.#transport === transport && this.#fail(Status.CONNFAIL, err.condition, `session: ${err.message}`, false),
      );
      return;
    }
    this.#online();
  }

  #online(): void {
    clearTimeout(this.#connectTimer);
    this.#features = undefined; // read only while binding: an idle session need not keep the features tree
    this.#phase = 'connected';
    this.authenticated = true;
    this.#setStatus(Status.CONNECTED);
    this.#settle?.resolve();
    this.#settle = undefined;
  }

  // ---------------------------------------------------------------- inbound dispatch

  #dispatch(el: XmlElement): void {
    const type = el.attrs.type;
    if (el.localName === 'iq' && (type === 'result' || type === 'error') && this.#settleIqFrom(el)) return;
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

  #settleIqFrom(el: XmlElement): boolean {
    const id = el.attrs.id;
    const pending = id === undefined ? undefined : this.#iqs.get(id);
    if (!pending || !this.#answersFrom(pending.to, el.attrs.from)) return false;
    this.#settleIq(id as string, el.attrs.type === 'error' ? new IqError(el) : el);
    return true;
  }

  /**
   * An answer must come from the JID the IQ went to (RFC 7622 comparison: resources are case-sensitive), or,
   * without `to`, from our account or server (RFC 6120 §10.3.3).
   */
  #answersFrom(to: string | undefined, from: string | undefined): boolean {
    if (to) {
      if (from === to) return true;
      const a = JID.tryParse(to);
      const b = from === undefined ? undefined : JID.tryParse(from);
      return !!a && !!b && a.equals(b);
    }
    if (!from) return true;
    const sender = JID.tryParse(from);
    const own = JID.tryParse(this.jid);
    if (!sender || !own) return false;
    return sender.equals(own) || sender.equals(own.toBare()) || sender.equals(new JID('', own.domain));
  }

  #settleIq(id: string, outcome: XmlElement | IqError): void {
    const pending = this.#iqs.get(id);
    if (!pending) return;
    this.#iqs.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof IqError) pending.reject(outcome);
    else pending.resolve(outcome);
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
    this.#negotiator?.cancel();
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
    transport?.open(this.domain);
    return true;
  }

  #finishDisconnect(condition: string | undefined): void {
    clearTimeout(this.#connectTimer);
    this.#transport = undefined;
    this.#negotiator?.cancel();
    this.#negotiator = undefined;
    this.#credentials = {};
    this.connected = false;
    this.authenticated = false;
    this.#phase = 'idle';
    for (const id of [...this.#iqs.keys()]) this.#settleIq(id, new IqError(undefined, 'disconnected'));
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
    this.#negotiator?.cancel();
    this.#negotiator = undefined;
    this.#phase = 'idle';
    // the old stream can answer nothing more: its IQs end now, not at their timeout inside the new attempt
    for (const id of [...this.#iqs.keys()]) this.#settleIq(id, new IqError(undefined, 'disconnected'));
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

