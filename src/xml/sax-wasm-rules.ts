// The XMPP XML rules the sax-wasm backend applies itself (sax-wasm neither decodes entities nor resolves
// namespaces): names, entities, whitespace, line ends and prefix checks, matching the default backend.
import type { XmlElement } from './element.js';
import type { PrefixScope } from './namespace-scope.js';
import { ENTITIES, ENTITY_NAME, NAME, type XmlErrorCondition } from './parser.js';

/** Thrown inside the backend to refuse the input; turned into one `onError` by the parser. */
export class Refusal extends Error {
  constructor(
    readonly condition: XmlErrorCondition,
    message: string,
  ) {
    super(message);
  }
}


/**
 * Valid names seen lately, handed out again instead of a fresh slice of the source: no second NAME test, and
 * the same string, which V8 has already internalized as a property key. Found by a hash of their characters.
 */
export class RecentNames {
  private readonly names: (string | undefined)[] = new Array(256).fill(undefined);

  /** The remembered name equal to `s[from, to)`, if any. */
  find(s: string, from: number, to: number): string | undefined {
    if (from < 0 || to > s.length || to <= from) return undefined;
    const known = this.names[hash(s, from, to)];
    if (known === undefined || known.length !== to - from) return undefined;
    for (let i = 0; i < known.length; i++) if (known.charCodeAt(i) !== s.charCodeAt(from + i)) return undefined;
    return known;
  }

  /** Remembers `name`, which passed {@link NAME}; only a short one: a longer slice may keep a whole element alive. */
  add(name: string): void {
    if (name.length <= 12) this.names[hash(name, 0, name.length)] = name;
  }
}

function hash(s: string, from: number, to: number): number {
  let h = to - from;
  for (let i = from; i < to; i++) h = (h * 31 + s.charCodeAt(i)) | 0;
  return h & 255;
}

/** XML whitespace: space, tab, LF, CR (not the other Unicode spaces). */
export function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

/** True when `s[from, to)` is XML whitespace only. */
export function isBlank(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(s.charCodeAt(i))) return false;
  return true;
}

/** Drops trailing XML whitespace (not other Unicode spaces, which XML does not treat as whitespace). */
export function trimEndXml(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Text content: XML 1.0 §2.11 line ends, then references. */
export function textValue(raw: string): string {
  const text = raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
  return text.indexOf('&') < 0 ? text : decodeReferences(text);
}

/** CDATA content: line ends only. */
export function cdataValue(raw: string): string {
  return raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
}

/** Attribute values: XML 1.0 §3.3.3 normalization (literal tab, CR, LF become spaces), then references. */
export function attributeValue(raw: string): string {
  const normalized = /[\t\r\n]/.test(raw) ? raw.replace(/\r\n|[\t\r\n]/g, ' ') : raw;
  return normalized.indexOf('&') < 0 ? normalized : decodeReferences(normalized);
}

function decodeReferences(raw: string): string {
  let out = '';
  let last = 0;
  for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', last)) {
    const semi = raw.indexOf(';', amp);
    if (semi < 0 || semi - amp > 12) throw new Refusal('bad-format', 'unterminated entity reference');
    const name = raw.slice(amp + 1, semi);
    let value = Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : undefined;
    if (value === undefined) {
      if (name[0] !== '#') {
        if (!ENTITY_NAME.test(name)) throw new Refusal('bad-format', `"&" not starting an entity reference: "&${name};"`);
        throw new Refusal('restricted-xml', `undeclared entity "&${name};"`);
      }
      const hex = name[1] === 'x';
      const digits = name.slice(hex ? 2 : 1);
      const cp = /^[0-9a-fA-F]+$/.test(digits) && (hex || /^\d+$/.test(digits)) ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
      if (!isXmlChar(cp)) throw new Refusal('bad-format', `character reference "&${name};" is not an allowed character`);
      value = String.fromCodePoint(cp);
    }
    out += raw.slice(last, amp) + value;
    last = semi + 1;
  }
  return out + raw.slice(last);
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Sets an attribute as an own property, so names such as "__proto__" are plain attributes. */
export function setOwn(attrs: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

/**
 * Namespace well-formedness of a freshly opened element at `depth` (1 for the top-level element): declarations
 * are sane, and every prefix the element or its attributes use is declared on it, in `scope` (its declarations
 * join those of the open ancestors there) or on the stream root.
 */
export function checkNamespaces(el: XmlElement, depth: number, scope: PrefixScope, root: Record<string, string> | undefined): void {
  let prefixedAttributes = false; // checked once all of its own declarations are in scope
  for (const key in el.attrs) {
    const colon = key.indexOf(':');
    if (colon < 0) continue; // unprefixed, "xmlns" included
    if (colon === 5 && key.startsWith('xmlns')) {
      if (el.attrs[key] === '') throw new Refusal('bad-format', `namespace prefix "${key.slice(6)}" declared empty`);
      if (key === 'xmlns:xmlns') throw new Refusal('bad-format', 'the "xmlns" prefix cannot be declared');
      scope.declare(key.slice(6), depth);
    } else if (colon > 0) prefixedAttributes = true;
  }
  if (prefixedAttributes) {
    for (const key in el.attrs) {
      const colon = key.indexOf(':');
      if (colon > 0 && !(colon === 5 && key.startsWith('xmlns'))) needPrefix(key.slice(0, colon), key, scope, root);
    }
  }
  const prefix = el.prefix;
  if (prefix) {
    if (prefix === 'xmlns') throw new Refusal('bad-format', `element <${el.name}> uses the reserved "xmlns" prefix`);
    needPrefix(prefix, el.name, scope, root);
  }
}

function needPrefix(prefix: string, where: string, scope: PrefixScope, root: Record<string, string> | undefined): void {
  if (prefix === 'xml' || scope.has(prefix) || (root !== undefined && Object.hasOwn(root, `xmlns:${prefix}`))) return;
  throw new Refusal('bad-format', `undeclared namespace prefix "${prefix}" in "${where}"`);
}
