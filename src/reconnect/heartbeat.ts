// Finds a dead connection: after a stretch of silence from the server, probe it (an XEP-0199 ping, or an XEP-0198
// ack request); no answer in time means the connection is gone, even though no socket event said so.

/** Probes the server after `interval` ms of silence; calls `dead` when nothing arrives within `timeout` of a probe. */
export class Heartbeat {
  readonly #interval: number;
  readonly #timeout: number;
  readonly #probe: () => void;
  readonly #dead: () => void;
  #last = Date.now();
  #probedAt: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(interval: number, timeout: number, probe: () => void, dead: () => void) {
    this.#interval = interval;
    this.#timeout = timeout;
    this.#probe = probe;
    this.#dead = dead;
    this.#arm(interval);
  }

  /** Something arrived from the server: it is alive. Cheap: called for every element. */
  activity(): void {
    this.#last = Date.now();
    this.#probedAt = undefined;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#check(), Math.max(0, ms));
  }

  #check(): void {
    const now = Date.now();
    if (this.#probedAt !== undefined) {
      if (now - this.#probedAt >= this.#timeout) return this.#dead();
      return this.#arm(this.#probedAt + this.#timeout - now);
    }
    const silent = now - this.#last;
    if (silent < this.#interval) return this.#arm(this.#interval - silent);
    this.#probedAt = now;
    this.#probe();
    this.#arm(this.#timeout);
  }
}
