// A small structured logger option, and the redaction that keeps SASL secrets out of logs and debug hooks.
import { NS_FAST, NS_SASL, NS_SASL2 } from './ns.js';
import { XmlElement } from './xml/element.js';

/** Structured logger: each method gets an event name and fields. Any method may be left out. */
export interface Logger {
  debug?(event: string, fields?: Record<string, unknown>): void;
  info?(event: string, fields?: Record<string, unknown>): void;
  warn?(event: string, fields?: Record<string, unknown>): void;
  error?(event: string, fields?: Record<string, unknown>): void;
}

/** What replaces a secret in a debug hook. */
export const REDACTED = '[redacted]';

/** Texts inside SASL elements that carry no secret and help debugging. */
const PLAIN_TEXTS = new Set(['text', 'mechanism', 'authorization-identifier', 'software', 'device']);

/**
 * A copy safe to show in a debug hook. Inside SASL (RFC 6120 §6) and SASL2 (XEP-0388) elements, in either
 * direction, every payload text is replaced, and so is every FAST token (XEP-0484); other elements come back as
 * they are.
 */
export function redact(el: XmlElement): XmlElement {
  const ns = el.getNS();
  return ns === NS_SASL || ns === NS_SASL2 || ns === NS_FAST ? redactTree(el) : el;
}

/** SASL elements are shallow; deeper than this, a subtree is shown as `[redacted]` whole (and recursion stays bounded). */
const MAX_SHOWN_DEPTH = 16;

function redactTree(el: XmlElement, depth = 0): XmlElement {
  const copy = new XmlElement(el.name);
  copy.attrs = { ...el.attrs };
  if (copy.attrs.token !== undefined) copy.attrs.token = REDACTED;
  if (depth >= MAX_SHOWN_DEPTH) return copy.append(REDACTED);
  const keepText = PLAIN_TEXTS.has(el.localName);
  let redacted = false;
  for (const child of el.children) {
    if (typeof child !== 'string') copy.append(redactTree(child, depth + 1));
    else if (keepText || child.trim() === '') copy.children.push(child);
    else if (!redacted) {
      redacted = true;
      copy.children.push(REDACTED);
    }
  }
  return copy;
}

/** Redacts raw text for a debug hook (see raw-redaction.ts). */
type RawRedaction = (text: string) => string;
let rawRedaction: RawRedaction | undefined;
let rawLoading: Promise<RawRedaction | undefined> | undefined;
let rawWaiting = 0;

/**
 * Loads the raw-text redaction, which only apps with a rawInput hook need, as a separate chunk. A chunk that fails
 * to load is tried again on the next call; until then the hook is not called (it never sees unredacted text).
 */
export function loadRawRedaction(): Promise<RawRedaction | undefined> {
  rawLoading ??= import('./raw-redaction.js').then(
    (m) => (rawRedaction = m.redactRaw),
    () => {
      rawLoading = undefined;
      return undefined;
    },
  );
  return rawLoading;
}

/**
 * Calls `use` with the raw-text redaction: at once when it is loaded, else once it is, in call order (text that
 * arrives while it loads waits for it, so a debug hook never sees a secret).
 */
export function withRawRedaction(use: (redactRaw: RawRedaction) => void): void {
  if (rawRedaction && rawWaiting === 0) return use(rawRedaction);
  rawWaiting++;
  void loadRawRedaction().then((redactRaw) => {
    rawWaiting--;
    if (redactRaw) use(redactRaw);
  });
}
