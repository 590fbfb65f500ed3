// Stanza handlers (Strophe's addHandler semantics) and the table that dispatches to them.
import { getBareJid } from './jid.js';
import type { XmlElement } from './xml/element.js';

/** A stanza handler: return `true` to stay registered, anything else to be removed. */
export type StanzaHandlerFn = (stanza: XmlElement) => unknown;

export interface HandlerOptions {
  /** Compare `from` by bare JID. */
  matchBareFromJid?: boolean;
  /** Ignore a `#fragment` in namespace comparisons. */
  ignoreNamespaceFragment?: boolean;
}

/** The match criteria of one handler; every given criterion must match. */
export class StanzaHandler {
  constructor(
    readonly fn: StanzaHandlerFn,
    readonly ns?: string | null,
    readonly name?: string | null,
    readonly type?: string | string[] | null,
    readonly id?: string | null,
    readonly from?: string | null,
    readonly options: HandlerOptions = {},
  ) {}

  matches(el: XmlElement): boolean {
    if (this.name && el.localName !== this.name) return false;
    if (this.type) {
      const t = el.attrs.type ?? '';
      if (Array.isArray(this.type) ? !this.type.includes(t) : this.type !== t) return false;
    }
    if (this.id && el.attrs.id !== this.id) return false;
    if (this.from) {
      const from = el.attrs.from ?? '';
      if (this.options.matchBareFromJid ? getBareJid(from) !== getBareJid(this.from) : from !== this.from) return false;
    }
    return !this.ns || this.#nsMatches(el);
  }

  #nsMatches(el: XmlElement): boolean {
    const norm = (ns: string | undefined) => (this.options.ignoreNamespaceFragment && ns ? ns.split('#')[0] : ns);
    const want = norm(this.ns ?? undefined);
    if (norm(el.getNS()) === want) return true;
    return el.getChildren().some((c) => norm(c.getNS()) === want);
  }
}

/** One registration: a handler deleted during dispatch is only marked, so dispatch never searches the list. */
interface Entry {
  readonly handler: StanzaHandler;
  live: boolean;
}

/**
 * Ordered handler list; a handler that throws is reported and kept (not silently dropped). Dispatch, add and
 * delete are linear or constant in the number of handlers: dead entries are swept once per dispatch.
 */
export class HandlerTable {
  #entries: Entry[] = [];
  readonly #byHandler = new Map<StanzaHandler, Entry>();
  #dead = 0;

  add(h: StanzaHandler): StanzaHandler {
    if (this.#byHandler.has(h)) return h;
    const entry = { handler: h, live: true };
    this.#byHandler.set(h, entry);
    this.#entries.push(entry);
    return h;
  }

  delete(h: StanzaHandler): void {
    const entry = this.#byHandler.get(h);
    if (!entry) return;
    entry.live = false;
    this.#byHandler.delete(h);
    this.#dead++;
  }

  clear(): void {
    for (const entry of this.#entries) entry.live = false;
    this.#entries = [];
    this.#byHandler.clear();
    this.#dead = 0;
  }

  /** Runs every matching handler registered before this stanza came; returns how many matched. */
  dispatch(el: XmlElement, report: (error: unknown) => void): number {
    const entries = this.#entries;
    const count = entries.length;
    let matched = 0;
    for (let i = 0; i < count; i++) {
      const entry = entries[i] as Entry;
      if (!entry.live || !entry.handler.matches(el)) continue;
      matched++;
      let keep: unknown = true;
      try {
        keep = entry.handler.fn(el);
      } catch (e) {
        report(e);
      }
      if (keep !== true) this.delete(entry.handler);
    }
    if (this.#dead > 0) {
      this.#entries = this.#entries.filter((e) => e.live);
      this.#dead = 0;
    }
    return matched;
  }
}
