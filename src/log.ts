// A small structured logger option, and the redaction that keeps SASL secrets out of logs and debug hooks.
import { XmlElement } from './xml/element.js';

/** Structured logger: each method gets an event name and fields. Any method may be left out. */
export interface Logger {
  debug?(event: string, fields?: Record<string, unknown>): void;
  info?(event: string, fields?: Record<string, unknown>): void;
  warn?(event: string, fields?: Record<string, unknown>): void;
  error?(event: string, fields?: Record<string, unknown>): void;
}

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

/** A copy of an outgoing element safe to log: SASL `<auth/>`/`<response/>` payloads are replaced. */
export function redact(el: XmlElement): XmlElement {
  if ((el.localName !== 'auth' && el.localName !== 'response') || el.getNS() !== NS_SASL || el.children.length === 0) return el;
  const copy = new XmlElement(el.name);
  copy.attrs = { ...el.attrs };
  copy.children = ['[redacted]'];
  return copy;
}
