// The IQs we sent and wait for (RFC 6120 §8.2.3): each ends with its answer, its timeout, or the stream's end.
import { IqError } from './errors.js';
import { JID } from './jid.js';
import type { XmlElement } from './xml/element.js';

interface PendingIq {
  to: string | undefined;
  resolve: (el: XmlElement) => void;
  reject: (err: IqError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Pending IQs by id. `ownJid()` tells who we are, for answers to IQs sent without `to`. */
export class IqTracker {
  readonly #pending = new Map<string, PendingIq>();
  readonly #ownJid: () => string;

  constructor(ownJid: () => string) {
    this.#ownJid = ownJid;
  }

  /** Whether an IQ with this id is waiting for its answer. */
  has(id: string): boolean {
    return this.#pending.has(id);
  }

  /**
   * Waits for the answer to the IQ with this id, sent to `to`, for at most `timeout` ms. An id already waiting
   * is refused (`duplicate-id`): the IQ waiting keeps its entry, its timer and its answer.
   */
  track(id: string, to: string | undefined, timeout: number): Promise<XmlElement> {
    if (this.#pending.has(id)) return Promise.reject(new IqError(undefined, 'duplicate-id'));
    return new Promise<XmlElement>((resolve, reject) => {
      const entry: PendingIq = {
        to,
        resolve,
        reject,
        // ends its own entry only, never a later one that took the same id
        timer: setTimeout(() => this.#pending.get(id) === entry && this.settle(id, new IqError(undefined, 'timeout')), timeout),
      };
      this.#pending.set(id, entry);
    });
  }

  /** Takes an incoming `result`/`error` IQ when it answers one of ours, from the right peer; returns whether it did. */
  answer(el: XmlElement): boolean {
    const id = el.attrs.id;
    const pending = id === undefined ? undefined : this.#pending.get(id);
    if (!pending || !this.#answersFrom(pending.to, el.attrs.from)) return false;
    this.settle(id as string, el.attrs.type === 'error' ? new IqError(el) : el);
    return true;
  }

  /** Ends one IQ with its answer or an error. */
  settle(id: string, outcome: XmlElement | IqError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (outcome instanceof IqError) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  /** Ends every pending IQ with `condition` (the stream is gone: nothing can answer them now). */
  endAll(condition: string): void {
    for (const id of [...this.#pending.keys()]) this.settle(id, new IqError(undefined, condition));
  }

  /**
   * An answer must come from the JID the IQ went to (RFC 7622 comparison: resources are case-sensitive), or,
   * without `to`, from our account or server (RFC 6120 §10.3.3).
   */
  #answersFrom(to: string | undefined, from: string | undefined): boolean {
    if (to) {
      if (from === to) return true;
      const a = JID.tryParse(to);
      const b = JID.tryParse(from);
      return !!a && !!b && a.equals(b);
    }
    if (!from) return true;
    const sender = JID.tryParse(from);
    const own = JID.tryParse(this.#ownJid());
    if (!sender || !own) return false;
    return sender.equals(own) || sender.equals(own.toBare()) || sender.equals(new JID('', own.domain));
  }
}
