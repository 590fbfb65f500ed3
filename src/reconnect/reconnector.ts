// Brings a lost session back: decides whether a loss can be repaired, and when to try, with backoff and the
// browser's online/offline events.
import { type ReconnectPolicy, reconnectDelay } from './backoff.js';

/** What the reconnector asks of the connection. */
export interface ReconnectHost {
  /** Start one attempt: a new transport, login, resume or a new session. */
  attempt(): void;
  /** Report RECONNECTING with the condition of the loss or of the failed attempt. */
  reconnecting(condition: string): void;
  /** Give up: the session ends (DISCONNECTED with this condition). */
  giveUp(condition: string): void;
}

/**
 * Conditions after which the session must not come back on its own: the account is in use elsewhere
 * (`conflict`), the server refuses the client (`policy-violation`, `not-authorized`) or closed the stream on
 * purpose without an error (`server-closed`: a clean close ends the session, RFC 6120 §4.4), the address is
 * wrong, or a redirect is followed instead.
 */
const FINAL = new Set([
  'conflict',
  'server-closed',
  'policy-violation',
  'not-authorized',
  'host-unknown',
  'host-gone',
  'improper-addressing',
  'bad-request',
  'see-other-host',
  'see-other-uri',
  'invalid-namespace',
  'invalid-xml',
  'unsupported-version',
]);

/** The browser's connectivity, where there is one. */
interface OnlineTarget {
  navigator?: { onLine?: boolean };
  addEventListener?(type: 'online', listener: () => void): void;
  removeEventListener?(type: 'online', listener: () => void): void;
}

/** A session back for less than this was not really back: its loss continues the backoff (see stablePeriod). */
const MIN_STABLE = 10000;

/**
 * How long a session must stay up before the next loss starts afresh (backoff and `maxAttempts` reset): the
 * longer of 10 s and `initialDelay`. A server that accepts and drops at once is retried with growing delays.
 */
export const stablePeriod = (policy: ReconnectPolicy): number => Math.max(MIN_STABLE, policy.initialDelay);

/** One reconnect cycle at a time: from a loss until the session is back and stays up, or given up. */
export class Reconnector {
  readonly #policy: ReconnectPolicy;
  readonly #host: ReconnectHost;
  readonly #random: () => number;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waitingOnline: (() => void) | undefined;
  /** Runs while a session that came back has not yet stayed up for stablePeriod. */
  #settling: ReturnType<typeof setTimeout> | undefined;

  constructor(policy: ReconnectPolicy, host: ReconnectHost, random: () => number = Math.random) {
    this.#policy = policy;
    this.#host = host;
    this.#random = random;
  }

  /** Whether a session lost with `condition` may be brought back. */
  static repairable(condition: string): boolean {
    return !FINAL.has(condition);
  }

  /** Attempts made in this cycle. */
  get attempts(): number {
    return this.#attempts;
  }

  /**
   * The session was lost: RECONNECTING, then the first attempt after its delay. Lost again soon after coming
   * back, it counts as one more failed attempt of the same cycle.
   */
  lost(condition: string): void {
    const unstable = this.#settling !== undefined;
    this.stop();
    if (!unstable) this.#attempts = 0;
    else if (this.#attempts >= this.#policy.maxAttempts) return this.#host.giveUp(condition);
    // scheduled before the status: a disconnect() or connect() from its callback cancels it
    this.#schedule();
    this.#host.reconnecting(condition);
  }

  /** An attempt failed with `condition` (not an authentication failure): the next one, or give up. */
  failed(condition: string): void {
    if (this.#attempts >= this.#policy.maxAttempts) return this.#host.giveUp(condition);
    this.#schedule();
    this.#host.reconnecting(condition);
  }

  /** The session is back: once it has stayed up for stablePeriod, the next loss starts a new cycle. */
  succeeded(): void {
    this.stop();
    this.#settling = setTimeout(() => {
      this.#settling = undefined;
      this.#attempts = 0;
    }, stablePeriod(this.#policy));
  }

  /** Cancels whatever is scheduled (disconnect(), a new connect()). */
  stop(): void {
    clearTimeout(this.#settling);
    this.#settling = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const listener = this.#waitingOnline;
    this.#waitingOnline = undefined;
    if (listener) (globalThis as OnlineTarget).removeEventListener?.('online', listener);
  }

  /** Offline (the browser says so): wait for the `online` event and try at once; else after the backoff delay. */
  #schedule(): void {
    const g = globalThis as OnlineTarget;
    const go = () => {
      this.stop();
      this.#attempts++;
      this.#host.attempt();
    };
    if (g.navigator?.onLine === false && g.addEventListener) {
      this.#waitingOnline = go;
      g.addEventListener('online', go);
      return;
    }
    this.#timer = setTimeout(go, reconnectDelay(this.#policy, this.#attempts + 1, this.#random));
  }
}
