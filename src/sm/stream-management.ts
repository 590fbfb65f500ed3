// XEP-0198 stream management for one session: enable after binding, count and acknowledge both ways, keep what
// the server has not acknowledged, and resume the session on a new stream.
import type { ConnectionError } from '../errors.js';
import type { CoreKit } from '../keeper/core-kit.js';
import type { FeatureStep, StepContext, StepResult } from '../stream/step.js';
import type { XmlElement } from '../xml/element.js';
import { type BadAck, parseH, SmCounters, type Unacked } from './counters.js';
import { clearSm, loadSm, saveSm } from './sm-store.js';

/** Namespace of XEP-0198 version 3. */
export const NS_SM = 'urn:xmpp:sm:3';

/** The `streamManagement` option in full. */
export interface StreamManagementOptions {
  /** Ask for a resumable session (default true). */
  resume: boolean;
  /** Stanzas sent between two ack requests `<r/>` (default 5). */
  requestEvery: number;
  /** Most stanzas kept unacknowledged; past it `send()` throws `sm-queue-full` (default 500). */
  maxUnacked: number;
  /**
   * Stanzas the server never acknowledged when a session could not be resumed. Without it they are sent again
   * on the new session (a stanza the server did handle but could not acknowledge arrives twice).
   */
  onUnacked?: (stanzas: XmlElement[]) => void;
}

/** A read-only view of the stream-management state (`conn.sm`). */
export interface StreamManagementState {
  /** The server enabled stream management on this session. */
  readonly enabled: boolean;
  /** The resumption id, when the session can be resumed. */
  readonly id: string | undefined;
  /** Stanzas handled from the server. */
  readonly inbound: number;
  /** Stanzas sent since stream management was enabled. */
  readonly outbound: number;
  /** Stanzas the server has not acknowledged yet. */
  readonly unacked: number;
}

/** What stream management needs from the connection while online. */
export interface SmLink {
  /** Sends a nonza (not counted). */
  sendNonza(el: XmlElement): void;
  /** Sends a stanza again as it was (counted already). */
  resend(el: XmlElement): void;
  /** Ends the stream: the server broke XEP-0198 (RFC 6120 stream error with this condition). */
  streamError(condition: string, text: string): void;
  /** Runs application code (`onUnacked`): what it throws is reported, the session goes on. */
  callApp(where: string, fn: () => unknown): void;
  log(event: string, fields: Record<string, unknown>): void;
}

const STANZAS = new Set(['message', 'presence', 'iq']);

/**
 * Stream management across the streams of one session. The connection feeds it what goes out and comes in;
 * its two feature steps enable it after binding and resume it after a reconnect's SASL.
 */
export class StreamManagement implements StreamManagementState {
  readonly options: StreamManagementOptions;
  readonly #kit: CoreKit;
  #link: SmLink | undefined;
  #counters = new SmCounters();
  /** `<enable/>` went out; counting has begun, `<enabled/>` may not be here yet. */
  #counting = false;
  #enabled = false;
  #id: string | undefined;
  /** The full JID the session was bound to: a resume gives it back. */
  #jid: string | undefined;
  #sinceRequest = 0;
  /** Stanzas of a session that could not be resumed: sent again on the new one (or handed to onUnacked). */
  #leftover: Unacked[] = [];
  /** Stanzas the server acknowledged: acked() on one of them resolves at once. */
  #done = new WeakSet<XmlElement>();
  /** With `keepalive`: the service the state is kept for across a reload, and the listener that keeps it. */
  #kept: { service: string; onPageHide: () => void } | undefined;
  /** The resumable state came from an earlier page (keepalive): a bad `<resumed/>` then means a new login. */
  #fromKept = false;
  /** Stand-ins for kept stanzas that were not kept or cannot be read back: counted, never sent again. */
  readonly #placeholders = new WeakSet<XmlElement>();

  constructor(options: StreamManagementOptions, kit: CoreKit) {
    this.options = options;
    this.#kit = kit;
  }

  /** True for a top-level stanza (message, presence, iq in `jabber:client`), the unit XEP-0198 counts. */
  #isStanza(el: XmlElement): boolean {
    if (!STANZAS.has(el.name)) return false;
    const ns = el.getNS();
    return ns === undefined || ns === this.#kit.NS_CLIENT;
  }

  #nonza(name: string, attrs: Record<string, string | number | undefined> = {}): XmlElement {
    return new this.#kit.XmlElement(name, { xmlns: NS_SM, ...attrs });
  }

  #error(status: 'ERROR' | 'DISCONNECTED', condition: string, text: string): ConnectionError {
    const { ConnectionError, Status } = this.#kit;
    return new ConnectionError(Status[status], condition, text);
  }

  get enabled(): boolean {
    return this.#enabled;
  }
  get id(): string | undefined {
    return this.#id;
  }
  get inbound(): number {
    return this.#counters.received;
  }
  get outbound(): number {
    return this.#counters.sent;
  }
  get unacked(): number {
    return this.#counters.queue.length;
  }

  /** Stanzas are being counted: `<enable/>` went out on this session (`<enabled/>` may still be on its way). */
  get counting(): boolean {
    return this.#counting;
  }

  /** True when a new stream may try `<resume/>`. */
  get resumable(): boolean {
    return this.#enabled && this.#id !== undefined;
  }

  /** The connection's sending side for the stream now up (or `undefined` between streams). */
  attach(link: SmLink | undefined): void {
    this.#link = link;
  }

  // ---------------------------------------------------------------- feature steps

  /** Before binding: on a reconnect, `<resume/>` instead of a new session. */
  readonly resumeStep: FeatureStep = {
    early: (ctx) => {
      if (!ctx.state.authenticated || ctx.state.resuming) return;
      if (this.resumable) this.#sendResume(ctx);
      else this.#unresumable(ctx);
    },
    negotiate: (features, ctx) => {
      if (!ctx.state.authenticated || ctx.state.jid) return undefined;
      if (!this.resumable) return this.#unresumable(ctx);
      if (!ctx.state.resuming) {
        if (!features.getChild('sm', NS_SM)) return this.#forget(ctx, 'resume not offered');
        this.#sendResume(ctx);
      }
      return this.#awaitResume(ctx);
    },
  };

  /** After binding: `<enable/>`, without waiting for the answer (it is handled when it comes). */
  readonly enableStep: FeatureStep = {
    negotiate: (features, ctx) => {
      if (!ctx.state.jid || ctx.state.resumed || !features.getChild('sm', NS_SM)) return undefined;
      this.#startSession(ctx.state.jid);
      ctx.send(this.#nonza('enable', { resume: this.options.resume ? 'true' : undefined }));
      return 'next';
    },
  };

  /**
   * The stream lost was still waiting for `<enabled/>`: nothing to resume, and this stream's own requests (its
   * binding) are no stanzas of that session. What the session sent goes to the new one.
   */
  #unresumable(ctx: StepContext): undefined {
    if (this.#counting) this.#forget(ctx, 'enable unanswered');
    return undefined;
  }

  #sendResume(ctx: StepContext): void {
    ctx.state.resuming = true;
    ctx.send(this.#nonza('resume', { previd: this.#id, h: this.#counters.received }));
  }

  #awaitResume(ctx: StepContext): Promise<StepResult> {
    return new Promise((resolve, reject) => {
      const stop = ctx.listen((el) => {
        if (el.getNS() !== NS_SM || (el.localName !== 'resumed' && el.localName !== 'failed')) return false;
        stop();
        ctx.state.resuming = false;
        try {
          resolve(el.localName === 'resumed' ? this.#resumed(ctx, el) : this.#forget(ctx, 'resume refused', el.attrs.h));
        } catch (e) {
          reject(e);
        }
        return true;
      });
    });
  }

  #resumed(ctx: StepContext, el: XmlElement): StepResult {
    const h = parseH(el.attrs.h);
    // XEP-0198 §5: previd names the session resumed; another one is not ours, whatever its h
    const bad = el.attrs.previd !== this.#id ? 'previd is not the session asked for' : h === undefined ? 'no valid h' : this.#acknowledge(h);
    if (bad) {
      // a server that counts wrong is not resumed again: the next attempt starts a new session, the queue intact;
      // a state kept by an earlier page must not stop this login: it logs in again at once (retry)
      const retry = this.#fromKept;
      this.#forget(ctx, 'bad <resumed/>');
      throw new this.#kit.NegotiationFailure(this.#kit.Status.CONNFAIL, 'undefined-condition', `<resumed/>: ${bad}`, { streamError: true, element: el, retry });
    }
    // stanzas an earlier page did not keep (or that cannot be read back) cannot go out again: the rest is renumbered
    this.#counters.retain((u) => !this.#placeholders.has(u.stanza));
    ctx.state.resumed = true;
    ctx.state.jid = this.#jid;
    return 'online';
  }

  /** The old session is gone: what it left unacknowledged goes to the new one; binding follows. */
  #forget(ctx: StepContext, why: string, h?: string): 'next' {
    const handled = parseH(h);
    if (handled !== undefined) this.#acknowledge(handled);
    this.#endCounters();
    ctx.state.resuming = false;
    this.#link?.log('sm-new-session', { why });
    return 'next';
  }

  #startSession(jid: string): void {
    // a session lost before it could be resumed leaves its unacknowledged stanzas to this one (see online())
    this.#endCounters();
    this.#jid = jid;
    this.#counting = true;
  }

  /** The session counted so far is over: what it left unacknowledged waits for the next one (see online()). */
  #endCounters(): void {
    this.#leftover.push(...this.#counters.drain().filter((u) => !this.#placeholders.has(u.stanza)));
    this.#reset();
  }

  #reset(): void {
    this.#fromKept = false;
    this.#counters = new SmCounters();
    this.#counting = false;
    this.#enabled = false;
    this.#id = undefined;
    this.#sinceRequest = 0;
  }

  // ---------------------------------------------------------------- online

  /**
   * After a resume: the stanzas the server did not handle go out again, in order. After a new session: the old
   * session's leftovers go to `onUnacked`, or out again (counted anew).
   */
  online(resumed: boolean): void {
    const link = this.#link;
    this.#fromKept = false;
    if (resumed) {
      for (const entry of this.#counters.queue) link?.resend(entry.stanza);
      if (this.#counters.queue.length > 0) this.requestAck();
      return;
    }
    const leftover = this.#leftover;
    this.#leftover = [];
    if (leftover.length === 0) return;
    const onUnacked = this.options.onUnacked;
    if (onUnacked) {
      for (const u of leftover) settle(u, this.#error('DISCONNECTED', 'sm-unacked', 'handed to onUnacked'));
      const stanzas = leftover.map((u) => u.stanza);
      if (link) link.callApp('onUnacked', () => onUnacked(stanzas));
      return;
    }
    // sent again as new stanzas of the new session; their acknowledgement waiters follow them
    for (const u of leftover) {
      if (this.#counting) this.#counters.recordSent(u.stanza).waiters = u.waiters;
      else settle(u, this.#error('ERROR', 'sm-unavailable', 'sent again on a session without stream management'));
      link?.resend(u.stanza);
      if (this.#counting) this.afterSent();
    }
  }

  /**
   * Counts a stanza we send on the session online (returns whether it was counted): never the negotiation's own
   * (a bind IQ), which go out before the session is online. Throws when the queue is full, unless `bounded` is
   * false: stanzas the application handed over earlier (they waited for the session) go out whatever the count.
   */
  sent(el: XmlElement, bounded = true): boolean {
    if (!this.#counting || !this.#link || !this.#isStanza(el)) return false;
    this.#record(el, bounded);
    return true;
  }

  /**
   * A stanza sent while reconnecting: queued when the session may be resumed (resent after the resume, or on the
   * new session). Returns false when it is not taken (a nonza, or a session that cannot be resumed).
   */
  hold(el: XmlElement): boolean {
    if (!this.resumable || !this.#isStanza(el)) return false;
    this.#record(el, true);
    return true;
  }

  #record(el: XmlElement, bounded: boolean): void {
    if (bounded && this.#counters.queue.length >= this.options.maxUnacked) {
      throw this.#error('ERROR', 'sm-queue-full', `${this.options.maxUnacked} stanzas await the server's acknowledgement`);
    }
    this.#counters.recordSent(el);
  }

  /**
   * The stream is gone. Counting stops; a session that cannot be resumed is over now: what it left unacknowledged
   * goes to the next session (whether or not that one has stream management).
   */
  lost(): void {
    this.#link = undefined;
    if (!this.resumable) this.#endCounters();
  }

  /**
   * A `<resume/>` went out and its attempt timed out unanswered (a server whose resumption broke): trying the same
   * resume again would hang again. The session is over; what it left unacknowledged goes to the next one.
   */
  resumeUnanswered(): void {
    if (!this.resumable) return;
    this.#endCounters();
    this.#link?.log('sm-new-session', { why: 'resume unanswered' });
  }

  /** After a counted stanza went out: the ack request, every `requestEvery` stanzas. */
  afterSent(): void {
    if (++this.#sinceRequest >= this.options.requestEvery) this.requestAck();
  }

  /** Sends `<r/>` (once stream management is enabled; before, the request waits for `<enabled/>`). */
  requestAck(): void {
    if (!this.#enabled || !this.#link) return;
    this.#sinceRequest = 0;
    this.#link.sendNonza(this.#nonza('r'));
  }

  /**
   * An element from the server while online. Returns true when it was stream management's own (it is not
   * dispatched); counts a stanza once it was handled (`handled()`).
   */
  received(el: XmlElement): boolean {
    if (el.getNS() !== NS_SM) return false;
    const link = this.#link;
    switch (el.localName) {
      case 'r':
        if (this.#enabled) link?.sendNonza(this.#nonza('a', { h: this.#counters.received }));
        break;
      case 'a':
        this.#onAck(el);
        break;
      case 'enabled':
        if (!this.#counting || this.#enabled) return true;
        this.#enabled = true;
        this.#id = this.options.resume && (el.attrs.resume === 'true' || el.attrs.resume === '1') ? el.attrs.id || undefined : undefined;
        if (this.#sinceRequest >= this.options.requestEvery) this.requestAck();
        break;
      case 'failed':
        // enabling failed: nothing is counted, and nothing waits for an acknowledgement that cannot come
        if (this.#enabled) break;
        for (const u of this.#counters.drain()) settle(u, this.#error('ERROR', 'sm-unavailable', 'stream management not enabled'));
        this.#reset();
        break;
    }
    return true;
  }

  /** A stanza from the server was handled (after its handlers ran). */
  handled(el: XmlElement): void {
    if (this.#enabled && this.#isStanza(el)) this.#counters.recordReceived();
  }

  #onAck(el: XmlElement): void {
    if (!this.#enabled) return this.#link?.log('sm-ack-ignored', { why: 'not enabled' });
    const h = parseH(el.attrs.h);
    if (h === undefined) return this.#link?.streamError('undefined-condition', 'an <a/> without a valid h');
    const bad = this.#acknowledge(h);
    if (typeof bad === 'string') this.#link?.streamError('undefined-condition', bad);
  }

  /** Trims the queue by the server's `h` and resolves the waiters of what it covers; refuses an impossible `h`. */
  #acknowledge(h: number): BadAck | undefined {
    const done = this.#counters.acknowledge(h);
    if (typeof done === 'string') return done;
    for (const entry of done) {
      this.#done.add(entry.stanza);
      settle(entry);
    }
    return undefined;
  }

  /**
   * Resolves once the server's `h` covers `stanza`; rejects when it can never be known (the session ends and the
   * stanza is handed back, or stream management is off).
   */
  acked(stanza: XmlElement): Promise<void> {
    if (this.#done.has(stanza)) return Promise.resolve();
    const entry = this.#counters.queue.find((u) => u.stanza === stanza) ?? this.#leftover.find((u) => u.stanza === stanza);
    if (!entry) return Promise.reject(this.#error('ERROR', 'sm-unavailable', 'not a stanza stream management counted'));
    return new Promise((resolve, reject) => {
      entry.waiters ??= [];
      entry.waiters.push({ resolve, reject });
    });
  }

  // ---------------------------------------------------------------- across a page reload (keepalive)

  /**
   * Takes up the session an earlier page of this service kept for `jid`, if there is one: resumable at once,
   * with its counts and its unacknowledged stanzas (read back with `parse`). Returns whether there was one.
   */
  adoptKept(service: string, jid: string, parse: (xml: string) => XmlElement | undefined): boolean {
    const stored = loadSm(service, jid);
    if (!stored) return false;
    // taken up once: this page keeps it again at pagehide if it is still resumable then
    clearSm(service, jid);
    this.#reset();
    this.#jid = stored.jid;
    const c = this.#counters;
    c.received = stored.received;
    c.sent = c.acked = stored.acked;
    for (const xml of stored.unacked) {
      // a stanza not kept, or not readable here, keeps its place in the count: the server's h is about it too
      const el = xml === null ? undefined : parse(xml);
      if (el) c.recordSent(el);
      else this.#placeholders.add(c.recordSent(new this.#kit.XmlElement('message', { xmlns: this.#kit.NS_CLIENT })).stanza);
    }
    if (c.sent !== stored.sent) {
      // counts that do not add up would make the server's right h look wrong: a new session, the stanzas resent
      this.#endCounters();
      return true;
    }
    this.#id = stored.id;
    this.#enabled = this.#counting = true;
    this.#fromKept = true;
    return true;
  }

  /** Keeps the state for the next page when this one goes away (pagehide): only a resumable session's. */
  keepFor(service: string): void {
    if (this.#kept || typeof globalThis.addEventListener !== 'function') return;
    const onPageHide = () => {
      if (!this.resumable || !this.#jid) return;
      const c = this.#counters;
      const unacked = c.queue.map((u) => (this.#keepable(u.stanza) ? u.stanza.toString() : null));
      saveSm(service, { jid: this.#jid, id: this.#id as string, received: c.received, sent: c.sent, acked: c.acked, unacked });
    };
    this.#kept = { service, onPageHide };
    globalThis.addEventListener('pagehide', onPageHide);
  }

  /**
   * Whether a stanza may be kept in sessionStorage for the next page: messages and presences, never an IQ (no one
   * waits for its answer after a reload, and it may carry a secret, such as an XEP-0077 password change), never
   * anything with a `<password/>` (a MUC join or invitation). What is not kept still counts (see adoptKept).
   */
  #keepable(el: XmlElement): boolean {
    return el.localName !== 'iq' && !this.#placeholders.has(el) && !hasPassword(el);
  }

  /**
   * Stops keeping the state for the next page; `forget` also deletes what was kept (the session was ended on
   * purpose). A session merely lost stays kept: the server holds it for a while, and the next login resumes it.
   */
  #stopKeeping(forget: boolean): void {
    const kept = this.#kept;
    if (!kept) return;
    this.#kept = undefined;
    globalThis.removeEventListener('pagehide', kept.onPageHide);
    if (forget && this.#jid) clearSm(kept.service, this.#jid);
    else kept.onPageHide();
  }

  /**
   * The session is over here: every stanza still unacknowledged is returned (oldest first), its waiters rejected.
   * `forget`: it was ended on purpose, so nothing is kept for a later login to resume.
   */
  end(reason: string, forget = true): XmlElement[] {
    this.#stopKeeping(forget);
    this.#endCounters();
    const rest = this.#leftover;
    this.#leftover = [];
    this.#jid = undefined;
    for (const u of rest) settle(u, this.#error('DISCONNECTED', reason, 'the session ended before the server acknowledged it'));
    return rest.map((u) => u.stanza);
  }
}

function hasPassword(el: XmlElement): boolean {
  return el.getChildren().some((c) => c.localName === 'password' || hasPassword(c));
}

function settle(entry: Unacked, error?: ConnectionError): void {
  for (const w of entry.waiters ?? []) error ? w.reject(error) : w.resolve();
  entry.waiters = undefined;
}
