// The default parser backend: a compact, strict, namespace-checking streaming tokenizer for the
// restricted XML that XMPP allows (RFC 6120 §11): no DTD, no comments, no PIs, no custom entities.
import { XmlElement } from './element.js';
import { charLabel, invalidXmlCharAt } from './escape.js';
import {
  DEFAULT_MAX_STANZA_SIZE,
  ENTITIES,
  ENTITY_NAME,
  NAME,
  type XmlErrorCondition,
  XmlParseError,
  type XmlParser,
  type XmlParserFactory,
  type XmlParserHandler,
  type XmlParserOptions,
} from './parser.js';

const WHITESPACE_ONLY = /^[ \t\r\n]*$/;
const TRAILING_SPACE = /[ \t\r\n]+$/;
// One attribute after whitespace: a name, "=" (spaces allowed around it), a quoted value without "<".
const ATTRIBUTE = /[ \t\r\n]+([^ \t\r\n=]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|'([^'<]*)')/y;
const DECLARATIONS = ['<![CDATA[', '<!DOCTYPE', '<!--', '<!ENTITY'];

/** A signal used internally to unwind on the first error. */
class Stop extends Error {}

class StreamParser implements XmlParser {
  #buf = '';
  #pos = 0;
  #stack: XmlElement[] = [];
  #root: XmlElement | undefined;
  #rootDecls: [string, string][] = [];
  #stanzaSize = 0;
  #failed = false;
  #ended = false;
  #carry = '';
  #decoder: TextDecoder | undefined;
  #generation = 0;
  readonly #max: number;
  readonly #fragment: boolean;

  readonly #handler: XmlParserHandler;

  constructor(handler: XmlParserHandler, options: XmlParserOptions = {}) {
    this.#handler = handler;
    this.#max = options.maxStanzaSize ?? DEFAULT_MAX_STANZA_SIZE;
    this.#fragment = options.fragment ?? false;
  }

  get idle(): boolean {
    // after the stream ended the stack is empty too: nothing is partly read then either
    return !this.#inStanza() && WHITESPACE_ONLY.test(this.#buf.slice(this.#pos));
  }

  reset(): void {
    this.#buf = '';
    this.#pos = 0;
    this.#stack = [];
    this.#root = undefined;
    this.#rootDecls = [];
    this.#stanzaSize = 0;
    this.#failed = false;
    this.#ended = false;
    this.#carry = '';
    this.#decoder = undefined;
    this.#generation++;
  }

  write(chunk: string | Uint8Array): void {
    if (this.#failed) return;
    try {
      let text: string;
      if (typeof chunk === 'string') text = chunk;
      else {
        this.#decoder ??= new TextDecoder('utf-8', { fatal: true });
        try {
          text = this.#decoder.decode(chunk, { stream: true });
        } catch {
          this.#fail('bad-format', 'input is not valid UTF-8');
        }
      }
      text = this.#carry + text;
      this.#carry = '';
      // hold back a trailing high surrogate: its pair may come in the next chunk
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.#carry = text.slice(-1);
        text = text.slice(0, -1);
      }
      // what precedes a forbidden character is still read: the events must not depend on the chunking
      const bad = invalidXmlCharAt(text);
      const badChar = text.charCodeAt(bad);
      const gen = this.#generation;
      if (bad >= 0) text = text.slice(0, bad);
      this.#buf = this.#pos > 0 ? this.#buf.slice(this.#pos) + text : this.#buf + text;
      this.#pos = 0;
      this.#parse();
      if (bad >= 0 && gen === this.#generation) this.#fail('bad-format', `character ${charLabel(badChar)}`);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  #fail(condition: XmlErrorCondition, message: string): never {
    this.#failed = true;
    this.#buf = '';
    this.#pos = 0;
    this.#handler.onError(new XmlParseError(condition, message));
    throw new Stop();
  }

  #parse(): void {
    const gen = this.#generation;
    const buf = this.#buf;
    let pos = this.#pos;
    while (pos < buf.length && gen === this.#generation && !this.#failed) {
      const lt = buf.indexOf('<', pos);
      const textEnd = lt < 0 ? buf.length : lt;
      if (textEnd > pos) {
        if (lt < 0) {
          // text without its end yet: consume only when it cannot hold a split entity
          const pending = buf.length - pos;
          if (this.#inStanza() && this.#stanzaSize + pending > this.#max) this.#tooBig();
          if (this.#atTopLevel()) {
            if (!WHITESPACE_ONLY.test(buf.slice(pos))) this.#fail('bad-format', 'text outside of any element');
            pos = buf.length;
          }
          break;
        }
        this.#text(buf.slice(pos, textEnd));
        this.#count(textEnd - pos);
        pos = textEnd;
      }
      const next = this.#markup(buf, pos);
      if (next < 0) break; // incomplete token: wait for more input
      pos = next;
    }
    if (gen === this.#generation) {
      this.#pos = pos;
      if ((this.#inStanza() ? this.#stanzaSize : 0) + (buf.length - pos) > this.#max) this.#tooBig();
      if (pos === buf.length) {
        // all consumed: do not keep the last frame alive until the next one arrives
        this.#buf = '';
        this.#pos = 0;
      }
    }
  }

  #inStanza(): boolean {
    return this.#stack.length > (this.#root ? 1 : 0);
  }

  #atTopLevel(): boolean {
    return !this.#inStanza();
  }

  #tooBig(): never {
    this.#fail('policy-violation', `stanza over ${this.#max} chars`);
  }

  #count(n: number): void {
    if (this.#inStanza()) {
      this.#stanzaSize += n;
      if (this.#stanzaSize > this.#max) this.#tooBig();
    }
  }

  #text(raw: string): void {
    if (this.#atTopLevel()) {
      if (!WHITESPACE_ONLY.test(raw)) this.#fail('bad-format', 'text outside of any element');
      return; // whitespace keepalives between stanzas
    }
    const top = this.#stack[this.#stack.length - 1] as XmlElement;
    const text = normalizeNewlines(raw);
    top.children.push(text.indexOf('&') < 0 ? text : this.#decode(text));
  }

  /** Parses one markup token at `pos`; returns the position after it, or -1 when it is incomplete. */
  #markup(buf: string, pos: number): number {
    const c = buf.charCodeAt(pos + 1);
    if (Number.isNaN(c)) return -1;
    if (c === 47 /* / */) {
      const gt = buf.indexOf('>', pos);
      if (gt < 0) return -1;
      this.#count(gt + 1 - pos);
      this.#closeTag(buf.slice(pos + 2, gt).replace(TRAILING_SPACE, ''));
      return gt + 1;
    }
    if (c === 63 /* ? */) {
      const end = buf.indexOf('?>', pos);
      if (end < 0) return -1;
      const target = /^<\?([^\s?]*)/.exec(buf.slice(pos, end))?.[1];
      if (target !== 'xml' || this.#stack.length > 0) this.#fail('restricted-xml', 'processing instruction');
      return end + 2;
    }
    if (c === 33 /* ! */) {
      if (buf.length - pos < 9) {
        const head = buf.slice(pos);
        // wait for enough of the keyword: the verdict must not depend on where the chunk was split
        if (DECLARATIONS.some((kw) => kw.length > head.length && kw.startsWith(head))) return -1;
      }
      if (buf.startsWith('<!--', pos)) this.#fail('restricted-xml', 'comment');
      if (buf.startsWith('<!DOCTYPE', pos)) this.#fail('restricted-xml', 'DOCTYPE');
      if (buf.startsWith('<![CDATA[', pos)) {
        if (this.#atTopLevel()) this.#fail('bad-format', 'CDATA outside of any element');
        const end = buf.indexOf(']]>', pos + 9);
        if (end < 0) return -1;
        (this.#stack[this.#stack.length - 1] as XmlElement).children.push(normalizeNewlines(buf.slice(pos + 9, end)));
        this.#count(end + 3 - pos);
        return end + 3;
      }
      this.#fail(buf.startsWith('<!ENTITY', pos) ? 'restricted-xml' : 'bad-format', 'markup declaration');
    }
    // start tag: find its end, skipping quoted attribute values (which may hold '>')
    let i = pos + 1;
    for (;;) {
      const ch = buf.charCodeAt(i);
      if (Number.isNaN(ch)) return -1;
      if (ch === 62 /* > */) break;
      if (ch === 34 || ch === 39) {
        const q = buf.indexOf(ch === 34 ? '"' : "'", i + 1);
        // "<" cannot be in a value: an unterminated one is refused now, not once the limit is reached
        const lt = q < 0 ? buf.indexOf('<', i + 1) : buf.lastIndexOf('<', q);
        if (lt > i) this.#fail('bad-format', '"<" in attribute value');
        if (q < 0) return -1;
        i = q + 1;
      } else if (ch === 60 /* < */) this.#fail('bad-format', 'unexpected "<" inside a tag');
      else i++;
    }
    if (!this.#inStanza()) this.#stanzaSize = 0;
    const startsStanza = this.#fragment || this.#root !== undefined;
    if (startsStanza && !this.#inStanza()) {
      this.#stanzaSize = i + 1 - pos;
      if (this.#stanzaSize > this.#max) this.#tooBig();
    } else this.#count(i + 1 - pos);
    const selfClosing = buf.charCodeAt(i - 1) === 47;
    this.#openTag(buf.slice(pos + 1, selfClosing ? i - 1 : i), selfClosing);
    return i + 1;
  }

  #openTag(tag: string, selfClosing: boolean): void {
    if (this.#ended) this.#fail('bad-format', 'content after the stream');
    let n = 0;
    while (n < tag.length && !isSpace(tag.charCodeAt(n))) n++;
    const name = tag.slice(0, n);
    if (!NAME.test(name)) this.#fail('bad-format', `invalid element name "${name}"`);
    const attrs: Record<string, string> = {};
    ATTRIBUTE.lastIndex = n;
    let i = n;
    for (let m = ATTRIBUTE.exec(tag); m; m = ATTRIBUTE.exec(tag)) {
      const key = m[1] as string;
      if (!NAME.test(key) || Object.hasOwn(attrs, key)) this.#fail('bad-format', `invalid or repeated attribute ${key} in <${name}>`);
      setOwn(attrs, key, this.#attrValue(m[2] ?? (m[3] as string)));
      i = ATTRIBUTE.lastIndex;
    }
    // what is left is not `name="value"` after whitespace: unquoted, unspaced or valueless attributes
    if (!WHITESPACE_ONLY.test(tag.slice(i))) this.#fail('bad-format', `malformed attributes in <${name}>`);
    const el = new XmlElement(name);
    el.attrs = attrs;
    this.#checkNamespaces(el);
    if (!this.#fragment && !this.#root) {
      this.#root = el;
      for (const key in attrs) if (key === 'xmlns' || key.startsWith('xmlns:')) this.#rootDecls.push([key, attrs[key] as string]);
      this.#stack.push(el);
      this.#handler.onStreamStart(name, { ...attrs });
      if (selfClosing) this.#endStream();
      return;
    }
    const parent = this.#stack[this.#stack.length - 1];
    const topLevel = parent === undefined || parent === this.#root;
    if (!topLevel) {
      el.parent = parent;
      parent.children.push(el);
    }
    if (selfClosing) {
      if (topLevel) this.#emit(el);
    } else this.#stack.push(el);
  }

  #closeTag(name: string): void {
    const top = this.#stack[this.#stack.length - 1];
    if (!top) this.#fail('bad-format', `unexpected closing tag </${name}>`);
    if (top.name !== name) this.#fail('bad-format', `</${name}> closes <${top.name}>`);
    this.#stack.pop();
    if (top === this.#root) return this.#endStream();
    if (this.#stack.length === 0 || this.#stack[this.#stack.length - 1] === this.#root) this.#emit(top);
  }

  #endStream(): void {
    this.#stack = [];
    this.#ended = true;
    this.#handler.onStreamEnd();
  }

  #emit(el: XmlElement): void {
    // make the stanza self-contained: inherit the root's namespace declarations it does not override
    for (const [key, value] of this.#rootDecls) if (!Object.hasOwn(el.attrs, key)) el.attrs[key] = value;
    this.#stanzaSize = 0;
    this.#handler.onElement(el);
  }

  #checkNamespaces(el: XmlElement): void {
    for (const key in el.attrs) {
      if (key.startsWith('xmlns:')) {
        if (el.attrs[key] === '') this.#fail('bad-format', `empty ${key}`);
        if (key === 'xmlns:xmlns') this.#fail('bad-format', 'xmlns:xmlns');
      } else if (key !== 'xmlns') {
        const colon = key.indexOf(':');
        if (colon > 0) this.#needPrefix(el, key.slice(0, colon), key);
      }
    }
    const prefix = el.prefix;
    if (prefix) {
      if (prefix === 'xmlns') this.#fail('bad-format', `<${el.name}>: reserved prefix`);
      this.#needPrefix(el, prefix, el.name);
    }
  }

  #needPrefix(el: XmlElement, prefix: string, where: string): void {
    if (prefix === 'xml') return;
    const key = `xmlns:${prefix}`;
    if (Object.hasOwn(el.attrs, key)) return;
    for (let i = this.#stack.length - 1; i >= 0; i--) if (Object.hasOwn((this.#stack[i] as XmlElement).attrs, key)) return;
    this.#fail('bad-format', `undeclared prefix in ${where}`);
  }

  #attrValue(raw: string): string {
    // attribute-value normalization (XML 1.0 §3.3.3): literal tab/CR/LF become spaces; char refs are kept
    const normalized = /[\t\r\n]/.test(raw) ? raw.replace(/\r\n|[\t\r\n]/g, ' ') : raw;
    return normalized.indexOf('&') < 0 ? normalized : this.#decode(normalized);
  }

  #decode(raw: string): string {
    let out = '';
    let last = 0;
    for (let amp = raw.indexOf('&'); amp >= 0; amp = raw.indexOf('&', last)) {
      const semi = raw.indexOf(';', amp);
      if (semi < 0 || semi - amp > 12) this.#fail('bad-format', 'unterminated reference');
      const name = raw.slice(amp + 1, semi);
      // own properties only: "&constructor;" must not reach Object.prototype
      let value = Object.hasOwn(ENTITIES, name) ? ENTITIES[name] : undefined;
      if (value === undefined) {
        if (name[0] !== '#') {
          // a bare "&" is malformed; a well-formed reference to an entity XMPP cannot declare is restricted
          if (!ENTITY_NAME.test(name)) this.#fail('bad-format', `bad reference &${name};`);
          this.#fail('restricted-xml', `undeclared entity "&${name};"`);
        }
        const hex = name[1] === 'x';
        const digits = name.slice(hex ? 2 : 1);
        const cp = /^[0-9a-fA-F]+$/.test(digits) && (hex || /^\d+$/.test(digits)) ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
        if (!isXmlChar(cp)) this.#fail('bad-format', `bad character &${name};`);
        value = String.fromCodePoint(cp);
      }
      out += raw.slice(last, amp) + value;
      last = semi + 1;
    }
    return out + raw.slice(last);
  }
}

/** XML 1.0 §2.11: CRLF and lone CR read as LF (character references such as &#13; are kept). */
function normalizeNewlines(text: string): string {
  return text.indexOf('\r') < 0 ? text : text.replace(/\r\n?/g, '\n');
}

/** Sets an attribute as an own property, so names such as "__proto__" are plain attributes. */
function setOwn(attrs: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(attrs, key, { value, enumerable: true, writable: true, configurable: true });
  else attrs[key] = value;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13;
}

function isXmlChar(cp: number): boolean {
  return (
    cp === 9 || cp === 10 || cp === 13 || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** The default parser backend. */
export const createStreamParser: XmlParserFactory = (handler, options) => new StreamParser(handler, options);
