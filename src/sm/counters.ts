// XEP-0198 bookkeeping: the handled counts both ways and the queue of stanzas the server has not acknowledged.
// Pure state with no I/O, so that every hostile `h` can be tried on it directly.
import type { XmlElement } from '../xml/element.js';

/** Counts wrap at 2^32 (XEP-0198 §4: "h" is an unsigned 32-bit integer). */
const WRAP = 2 ** 32;

/** One stanza sent while stream management counts: its number, and who waits for its acknowledgement. */
export interface Unacked {
  readonly stanza: XmlElement;
  /** The outbound count right after it was sent (mod 2^32). */
  readonly seq: number;
  waiters?: { resolve: () => void; reject: (reason: unknown) => void }[];
}

/** Why an `h` from the server cannot be right. */
export type BadAck = 'handled-count-too-high' | 'handled-count-went-back';

/** Adds to a count, wrapping at 2^32. */
export const inc = (n: number, by = 1): number => (n + by) % WRAP;
/** How far `to` is ahead of `from`, counting forward through a wrap. */
export const ahead = (from: number, to: number): number => (to - from + WRAP) % WRAP;

/** Parses `h`: a decimal unsigned 32-bit integer, or `undefined`. */
export function parseH(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,10}$/.test(value)) return undefined;
  const n = Number(value);
  return n < WRAP ? n : undefined;
}

/**
 * The counters and the unacknowledged queue of one stream-management session. `sent` counts what we sent since
 * `<enable/>` (or since the resumed session began), `received` what we handled from the server, `acked` the
 * server's last `h`. The queue holds, in order, every stanza sent and not yet covered by the server's `h`.
 */
export class SmCounters {
  sent = 0;
  received = 0;
  acked = 0;
  readonly queue: Unacked[] = [];

  /** Records a stanza we sent; returns its queue entry. */
  recordSent(stanza: XmlElement): Unacked {
    this.sent = inc(this.sent);
    const entry: Unacked = { stanza, seq: this.sent };
    this.queue.push(entry);
    return entry;
  }

  /** Records a stanza we handled. */
  recordReceived(): void {
    this.received = inc(this.received);
  }

  /**
   * Applies the server's `h`: drops what it covers from the queue and returns those entries (oldest first). An `h`
   * beyond what was sent, or behind the previous one, is refused and leaves everything as it was.
   */
  acknowledge(h: number): Unacked[] | BadAck {
    const newly = ahead(this.acked, h);
    if (newly > ahead(this.acked, this.sent)) {
      // behind the last h reads as a huge step forward through the wrap: tell the two apart for the message
      return newly > WRAP / 2 ? 'handled-count-went-back' : 'handled-count-too-high';
    }
    this.acked = h;
    return this.queue.splice(0, Math.min(newly, this.queue.length));
  }

  /**
   * Keeps only the entries `keep` accepts, renumbered from `acked` as they go out again after a resume (the server
   * counts them anew from its `h`).
   */
  retain(keep: (entry: Unacked) => boolean): void {
    const rest = this.queue.splice(0).filter(keep);
    this.sent = this.acked;
    for (const u of rest) this.recordSent(u.stanza).waiters = u.waiters;
  }

  /** Empties the queue, returning what it held (oldest first). */
  drain(): Unacked[] {
    return this.queue.splice(0);
  }
}
