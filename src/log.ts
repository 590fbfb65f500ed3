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

// The payload of an element with a SASL name, as raw text: plain characters and CDATA sections up to the next tag.
const RAW_SASL_PAYLOAD =
  /(<(?:[\w.-]+:)?(?:auth|authenticate|initial-response|response|challenge|success|additional-data|continue)(?:[\s/][^>]*)?>)((?:[^<]|<!\[CDATA\[[\s\S]*?\]\]>)+)/g;
const RAW_TOKEN_ATTRIBUTE = /(\stoken\s*=\s*)(["'])[^"']*\2/g;

/**
 * Raw text safe to show in a debug hook: the payload of every element named like a SASL element is replaced, and
 * every `token` attribute. It works on text that may not even parse (a malformed frame, a whole BOSH body), so it
 * goes by element names alone and may hide the text of an unrelated element of the same name.
 */
export function redactRaw(text: string): string {
  return text
    .replace(RAW_SASL_PAYLOAD, (_, tag: string, payload: string) => (payload.trim() === '' ? tag + payload : tag + REDACTED))
    .replace(RAW_TOKEN_ATTRIBUTE, `$1$2${REDACTED}$2`);
}
