// BOSH <body/> wrappers: serializing outgoing bodies and reading each response body with the stream parser.
import { NS_CLIENT, NS_HTTPBIND } from '../ns.js';
import { escapeAttr } from '../xml/escape.js';
import type { XmlElement } from '../xml/element.js';
import { makeParser, type XmlParser, type XmlParserFactory } from '../xml/parser.js';

export { NS_HTTPBIND } from '../ns.js';
const STANZAS = new Set(['message', 'presence', 'iq']);

/** Serializes a `<body/>` with these attributes around already serialized payloads. */
export function wrapBody(attrs: Record<string, string | number | undefined>, payload: string): string {
  let out = '<body';
  for (const key in attrs) {
    const v = attrs[key];
    if (v !== undefined) out += ` ${key}="${escapeAttr(String(v))}"`;
  }
  out += ` xmlns="${NS_HTTPBIND}"`;
  return payload ? `${out}>${payload}</body>` : `${out}/>`;
}

/** Serializes a stanza for a body; XEP-0206 wants stanzas qualified by `jabber:client`, so it is added when missing. */
export function serializeStanza(el: XmlElement): string {
  if (!STANZAS.has(el.name) || el.attrs.xmlns !== undefined) return el.toString();
  const copy = el.clone();
  copy.attrs = { xmlns: NS_CLIENT, ...copy.attrs };
  return copy.toString();
}

/** A response body that parsed: its attributes and its child elements, in order. */
export interface ParsedBody {
  ok: true;
  attrs: Record<string, string>;
  children: XmlElement[];
}

/** A response that is not a usable BOSH body. */
export interface BadBody {
  ok: false;
  condition: string;
  text: string;
}

interface ReadState {
  rootName: string;
  attrs: Record<string, string> | undefined;
  children: XmlElement[];
  ended: boolean;
  error: { condition: string; message: string } | undefined;
}

/** Reads one HTTP response body at a time with the configured parser in stream mode (`<body/>` is the root). */
export class BodyReader {
  readonly #parser: XmlParser;
  #cur: ReadState = fresh();

  constructor(factory: XmlParserFactory, maxStanzaSize: number, maxDepth?: number) {
    this.#parser = makeParser(
      factory,
      {
        onStreamStart: (name, attrs) => {
          this.#cur.rootName = name;
          this.#cur.attrs = attrs;
        },
        onElement: (el) => this.#cur.children.push(el),
        onStreamEnd: () => {
          this.#cur.ended = true;
        },
        onError: (err) => {
          this.#cur.error ??= { condition: err.condition, message: err.message };
        },
      },
      { maxStanzaSize, maxDepth },
    );
  }

  /** Parses a whole response text. */
  read(text: string): ParsedBody | BadBody {
    const cur = fresh();
    this.#cur = cur;
    this.#parser.reset();
    this.#parser.write(text);
    const attrs = cur.attrs;
    if (!attrs || cur.rootName !== 'body' || attrs.xmlns !== NS_HTTPBIND) return notBosh(text, cur.rootName, cur.error?.message);
    if (cur.error) return { ok: false, condition: cur.error.condition, text: `malformed BOSH body: ${cur.error.message}` };
    if (!cur.ended) return { ok: false, condition: 'bad-format', text: 'truncated BOSH body' };
    for (const child of cur.children) {
      // a stanza without its own xmlns inherits the body's namespace; XEP-0206 means jabber:client
      if (STANZAS.has(child.name) && child.attrs.xmlns === NS_HTTPBIND) child.attrs.xmlns = NS_CLIENT;
    }
    return { ok: true, attrs, children: cur.children };
  }
}

function fresh(): ReadState {
  return { rootName: '', attrs: undefined, children: [], ended: false, error: undefined };
}

/**
 * A 200 answer that is not a BOSH body. Text that is not XML is quoted (an HTML page or a proxy's message says
 * where the URL leads); of XML only the root's name is given, as a body in the wrong namespace may carry a sid.
 */
function notBosh(text: string, rootName: string, parseError: string | undefined): BadBody {
  const start = text.trim().slice(0, 60).replace(/\s+/g, ' ');
  const got = rootName ? `<${rootName}> without the BOSH namespace` : start ? `"${start}"` : 'an empty answer';
  return { ok: false, condition: 'bad-format', text: `not a BOSH endpoint (wrong URL?): got ${got}${parseError ? ` (${parseError})` : ''}` };
}

/** An integer attribute, or `undefined` when absent or not a non-negative integer. */
export function intAttr(attrs: Record<string, string>, name: string): number | undefined {
  const raw = Object.hasOwn(attrs, name) ? attrs[name] : undefined;
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
