// Stanza handlers (Strophe's addHandler semantics) and the table that dispatches to them.
import { getBareJid } from './jid.js';
import type { XmlElement } from './xml/element.js';

/** A stanza handler: return `true` to stay registered, anything else to be removed. */
export type StanzaHandlerFn = (stanza: XmlElement) => boolean | undefined | void;

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

/** Ordered handler list; a handler that throws is reported and kept (not silently dropped). */
export class HandlerTable {
  #handlers: StanzaHandler[] = [];

  add(h: StanzaHandler): StanzaHandler {
    this.#handlers.push(h);
    return h;
  }

  delete(h: StanzaHandler): void {
    const i = this.#handlers.indexOf(h);
    if (i >= 0) this.#handlers.splice(i, 1);
  }

  clear(): void {
    this.#handlers = [];
  }

  /** Runs every matching handler; returns how many matched. */
  dispatch(el: XmlElement, report: (error: unknown) => void): number {
    let matched = 0;
    for (const h of [...this.#handlers]) {
      if (!this.#handlers.includes(h) || !h.matches(el)) continue;
      matched++;
      let keep: boolean | undefined | void = true;
      try {
        keep = h.fn(el);
      } catch (e) {
        report(e);
      }
      if (keep !== true) this.delete(h);
    }
    return matched;
  }
}
