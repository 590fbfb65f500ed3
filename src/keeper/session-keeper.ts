// Keeps one session alive across the network: XEP-0198 stream management, automatic reconnect, dead-connection
// detection, and keepalive across a page reload. Loaded on demand: the connection calls it through narrow hooks.
import type { JID } from '../jid.js';
import type { ConnectionOptions } from '../options.js';
import { reconnectPolicy } from '../reconnect/backoff.js';
import { Heartbeat } from '../reconnect/heartbeat.js';
import { Reconnector } from '../reconnect/reconnector.js';
import { StreamManagement } from '../sm/stream-management.js';
import type { FeatureStep } from '../stream/step.js';
import type { XmlElement } from '../xml/element.js';
import type { CoreKit } from './core-kit.js';

/** What the keeper needs from its connection. */
export interface KeeperHost {
  readonly options: ConnectionOptions;
  /** The core's classes and constants (see core-kit.ts for why they are not imported). */
  readonly kit: CoreKit;
  readonly service: string;
  readonly domain: string;
  /** Sends on the live stream as it is: a nonza, or a stanza going out again (already counted). */
  sendRaw(el: XmlElement): void;
  /** Sends a stanza on the live stream the normal way (counted). */
  transmit(el: XmlElement): void;
  /** An IQ of the SDK's own on the live stream. */
  request(iq: XmlElement): Promise<XmlElement>;
  /** Reports RECONNECTING with this condition. */
  reconnecting(condition: string): void;
  /** One reconnect attempt: a new transport, the login again. */
  attempt(): void;
  /** The session is over: DISCONNECTED with this condition. */
  giveUp(condition: string): void;
  /** The server broke XEP-0198: a stream error with this condition ends the stream. */
  streamError(condition: string, text: string): void;
  /** The connection is dead though no socket event said so: drop the carrier with this condition. */
  abort(condition: string, text: string): void;
  /** The transport now up: `websocket`, `bosh`, or undefined between streams. */
  transportKind(): string | undefined;
  /** Reads one serialized stanza back (one kept by an earlier page). */
  parse(xml: string): XmlElement | undefined;
  /** Runs application code (a callback such as `onUnacked`): what it throws is reported (`onError`), never thrown. */
  callApp(where: string, fn: () => unknown): void;
  log(event: string, fields: Record<string, unknown>): void;
}

const noStep: FeatureStep = { negotiate: () => undefined };

/**
 * One login's keeper. `sm` exists unless `streamManagement: false`; reconnecting only with the `reconnect` option;
 * the heartbeat on WebSocket unless `pingInterval: 0`.
 */
export class SessionKeeper {
  readonly sm: StreamManagement | undefined;
  readonly #host: KeeperHost;
  readonly #reconnector: Reconnector | undefined;
  #heartbeat: Heartbeat | undefined;
  /** Stanzas sent while reconnecting without stream management: they go out once the session is back. */
  #outbox: XmlElement[] = [];
  /** This login took up a session an earlier page kept (keepalive). */
  #adopted = false;
  /** The outbox is going out (online()), or a probe: counted without the queue limit. */
  #flushing = false;

  constructor(host: KeeperHost, requested: JID | undefined) {
    this.#host = host;
    const { options } = host;
    const sm = options.streamManagement;
    this.sm = sm === false ? undefined : new StreamManagement({ resume: true, requestEvery: 5, maxUnacked: 500, ...(typeof sm === 'object' ? sm : {}) }, host.kit);
    const policy = reconnectPolicy(options.reconnect);
    this.#reconnector = policy && new Reconnector(policy, { attempt: () => host.attempt(), reconnecting: (c) => host.reconnecting(c), giveUp: (c) => host.giveUp(c) });
    // with keepalive, a session an earlier page kept is resumed rather than a new one begun
    if (requested && options.keepalive === true) this.#adopted = this.sm?.adoptKept(host.service, requested.bare, (xml) => host.parse(xml)) ?? false;
  }

  /** Steps before and after resource binding: resume instead of binding; enable after it. */
  get beforeBind(): FeatureStep {
    return this.sm?.resumeStep ?? noStep;
  }
  get afterBind(): FeatureStep {
    return this.sm?.enableStep ?? noStep;
  }

  /** Whether a reconnect may need the credentials again (they are kept in memory then). */
  get reconnects(): boolean {
    return this.#reconnector !== undefined;
  }

  // ---------------------------------------------------------------- traffic

  /** A stanza goes out on the live stream: counted? (Throws when the queue is full.) */
  sending(el: XmlElement, bounded = true): boolean {
    return this.sm?.sent(el, bounded && !this.#flushing) ?? false;
  }

  /** A counted stanza went out. */
  sent(): void {
    this.sm?.afterSent();
  }

  /**
   * Sent while reconnecting: a stanza of a resumable session is counted and queued (resent after the resume, or on
   * the new session); anything else (a nonza such as CSI, or without a resumable session) waits in the outbox.
   */
  hold(el: XmlElement): void {
    const sm = this.sm;
    if (sm?.hold(el)) return;
    const max = sm?.options.maxUnacked ?? 500;
    const { ConnectionError, Status } = this.#host.kit;
    if (this.#outbox.length >= max) throw new ConnectionError(Status.ERROR, 'reconnect-queue-full', `${max} stanzas wait for the session to come back`);
    this.#outbox.push(el);
  }

  /** An element from the server while online; true when it was stream management's own. */
  received(el: XmlElement): boolean {
    return this.sm?.received(el) ?? false;
  }

  /** A stanza from the server was handled. */
  handled(el: XmlElement): void {
    this.sm?.handled(el);
  }

  /** Anything arrived: the connection is alive. */
  activity(): void {
    this.#heartbeat?.activity();
  }

  /**
   * Stanzas a transport could not deliver (BOSH after its retries). Returns true when they are taken care of:
   * stream management resends what the server did not acknowledge anyway; a reconnect sends them on the new session.
   */
  undelivered(stanzas: XmlElement[], online: boolean): boolean {
    if (this.sm?.counting) return true;
    if (!this.#reconnector || !online) return false;
    this.#outbox.unshift(...stanzas);
    return true;
  }

  // ---------------------------------------------------------------- the session's life

  /**
   * The stream is up (a login, a resume, a new session after a loss). Returns the condition CONNECTED carries:
   * `resumed`, `new-session` (after a loss, or when a kept session could not be resumed), or none.
   */
  online(resumed: boolean, afterLoss: boolean): string | undefined {
    const host = this.#host;
    this.#reconnector?.succeeded();
    this.sm?.attach({
      sendNonza: (el) => host.sendRaw(el),
      resend: (el) => host.sendRaw(el),
      streamError: (condition, text) => host.streamError(condition, text),
      callApp: (where, fn) => host.callApp(where, fn),
      log: (event, fields) => host.log(event, fields),
    });
    this.sm?.online(resumed);
    if (host.options.keepalive) this.sm?.keepFor(host.service);
    // what waited was accepted by send() already: it goes out even past maxUnacked (the leftovers came first)
    this.#flushing = true;
    try {
      for (const el of this.#outbox.splice(0)) host.transmit(el);
    } finally {
      this.#flushing = false;
    }
    this.#startHeartbeat();
    const condition = resumed ? 'resumed' : afterLoss || this.#adopted ? 'new-session' : undefined;
    this.#adopted = false;
    return condition;
  }

  /** A BOSH session taken over after a reload: the stream management an earlier page kept for it goes on. */
  attached(jid: string): void {
    const host = this.#host;
    if (!this.sm?.adoptKept(host.service, jid, (xml) => host.parse(xml))) return;
    this.online(false, false);
  }

  /** Whether a loss with `condition` can be repaired by reconnecting. */
  repairable(condition: string): boolean {
    return this.#reconnector !== undefined && Reconnector.repairable(condition);
  }

  /** The stream is gone (`first`: the session was online) and a reconnect will bring it back. */
  lost(condition: string, first: boolean): void {
    this.#heartbeat?.stop();
    this.sm?.lost();
    if (first) this.#reconnector?.lost(condition);
    else this.#reconnector?.failed(condition);
  }

  /** The attempt timed out with its `<resume/>` unanswered: the next one starts a new session. */
  resumeUnanswered(): void {
    this.sm?.resumeUnanswered();
  }

  /** Asks for a last acknowledgement (before an orderly close). */
  requestAck(): void {
    this.sm?.requestAck();
  }

  /** Cancels whatever is scheduled. */
  stop(): void {
    this.#reconnector?.stop();
    this.#heartbeat?.stop();
  }

  /**
   * The session is over here: what the server never acknowledged, and what waited, is handed back. `forget`: it
   * ended on purpose, so nothing stays kept for a later login to resume.
   */
  end(reason: string, forget: boolean): XmlElement[] {
    this.stop();
    // a session the server ended for good (taken over: `conflict`) is not one to resume on the next page either
    const final = !Reconnector.repairable(reason);
    return [...(this.sm?.end(reason, forget || final) ?? []), ...this.#outbox.splice(0)];
  }

  /** Dead-connection detection on WebSocket (BOSH has its own request timeouts). */
  #startHeartbeat(): void {
    this.#heartbeat?.stop();
    this.#heartbeat = undefined;
    const host = this.#host;
    const interval = host.options.pingInterval ?? 60000;
    if (host.transportKind() !== 'websocket' || interval === 0) return;
    const { XmlElement, NS_CLIENT, NS_PING } = host.kit;
    const probe = () => {
      if (this.sm?.enabled) return this.sm.requestAck();
      // the ping goes out even when the queue is full (<enabled/> not here yet): it is no stanza of the application
      this.#flushing = true;
      try {
        host.request(new XmlElement('iq', { xmlns: NS_CLIENT, type: 'get', to: host.domain }, [new XmlElement('ping', { xmlns: NS_PING })])).catch(() => {});
      } finally {
        this.#flushing = false;
      }
    };
    this.#heartbeat = new Heartbeat(interval, host.options.pingTimeout ?? 20000, probe, () => host.abort('ping-timeout', 'no answer from the server'));
  }
}
