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
 * (`conflict`), the server refuses the client (`policy-violation`, `not-authorized`), the address is wrong, or
 * a redirect is followed instead.
 */
const FINAL = new Set([
  'conflict',
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

/** One reconnect cycle at a time: from a loss until the session is back, or given up. */
export class Reconnector {
  readonly #policy: ReconnectPolicy;
  readonly #host: ReconnectHost;
  readonly #random: () => number;
  #attempts = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waitingOnline: (() => void) | undefined;

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

  /** The session was lost: RECONNECTING, then the first attempt after its delay. */
  lost(condition: string): void {
    this.stop();
    this.#attempts = 0;
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

  /** The session is back: the next loss starts a new cycle. */
  succeeded(): void {
    this.stop();
    this.#attempts = 0;
  }

  /** Cancels whatever is scheduled (disconnect(), a new connect()). */
  stop(): void {
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
