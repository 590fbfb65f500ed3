// The default parser backend: a compact, strict, namespace-checking streaming tokenizer for the
// restricted XML that XMPP allows (RFC 6120 §11): no DTD, no comments, no PIs, no custom entities.
import { XmlElement } from './element.js';
import { charLabel, invalidXmlCharAt } from './escape.js';
import { PrefixScope } from './namespace-scope.js';
import {
  DEFAULT_MAX_STANZA_SIZE,
  ENTITIES,
  ENTITY_NAME,
  maxDepthOf,
  NAME,
  type XmlErrorCondition,
  XmlParseError,
  type XmlParser,
  type XmlParserFactory,
  type XmlParserHandler,
  type XmlParserOptions,
} from './parser.js';
import { inheritRootDeclarations, MAX_ROOT_DECLARATIONS, type RootDeclarations, rootDeclarations } from './root-declarations.js';

const WHITESPACE_ONLY = /^[ \t\r\n]*$/;
// One attribute after whitespace: a name, "=" (spaces allowed around it), a quoted value without "<".
const ATTRIBUTE = /[ \t\r\n]+([^ \t\r\n=]+)[ \t\r\n]*=[ \t\r\n]*(?:"([^"<]*)"|'([^'<]*)')/y;
const DECLARATIONS = ['<![CDATA[', '<!DOCTYPE', '<!--', '<!ENTITY'];
// What a start-tag scan skips in one step: up to the next quote, "<" or ">"; in a value, up to its quote or a "<"
const IN_TAG = /[^"'<>]*/y;
const IN_DOUBLE_QUOTES = /[^"<]*/y;
const IN_SINGLE_QUOTES = /[^'<]*/y;

/** Where `re` (sticky, never failing) stops matching `s` from `from`. */
function skip(re: RegExp, s: string, from: number): number {
  re.lastIndex = from;
  re.test(s);
  return re.lastIndex;
}

// What can finish the input HeldInput holds
/** More of a short token head ("<", or "<!" and part of its keyword): parse again on any input. */
const AWAITS_ANYTHING = 0;
/** Text in an element: a "<". */
const AWAITS_LT = 1;
/** An end tag: its ">". */
const AWAITS_GT = 2;
/** A processing instruction: "?>". */
const AWAITS_PI_END = 3;
/** A CDATA section: "]]>". */
const AWAITS_CDATA_END = 4;
/** A start tag: a ">" outside the values, or a "<" anywhere (refused). */
const AWAITS_TAG_END = 5;

/** What finishes `rest`, unconsumed input that begins a token (at its "<") or is text. */
function awaitedBy(rest: string): number {
  if (rest.charCodeAt(0) !== 60) return AWAITS_LT;
  const c = rest.charCodeAt(1);
  if (c === 47 /* / */) return AWAITS_GT;
  if (c === 63 /* ? */) return AWAITS_PI_END;
  // a markup declaration held with all of its keyword can only be a CDATA section (the others are refused)
  if (c === 33 /* ! */) return rest.length < 9 ? AWAITS_ANYTHING : AWAITS_CDATA_END;
  return Number.isNaN(c) ? AWAITS_ANYTHING : AWAITS_TAG_END;
}

/**
 * The input of an unfinished token (or of text in an element) held between writes. Each chunk is looked at
 * once, for what could finish the token, and appended (a rope: no copy); the whole is read again only when that
 * has come. So a token that trickles in costs linear time, not a rescan and a copy of all of it on every write.
 */
class HeldInput {
  /** The held input: empty when nothing is held, a rope while chunks are appended. */
  text = '';
  #awaits = AWAITS_ANYTHING;
  /** In a start tag: the quote of the value the input ends in, or 0. */
  #quote = 0;
  /** The last two characters, kept apart: slicing them off the rope would flatten it, copying all of it. */
  #tail = '';

  /** Holds `rest`, the unconsumed input of a parse: a token from its "<", or text. */
  hold(rest: string): void {
    this.text = rest;
    this.#tail = rest.slice(-2);
    this.#awaits = awaitedBy(rest);
    this.#quote = 0;
    if (this.#awaits === AWAITS_TAG_END) this.#scanTag(rest, 1);
  }

  /** Appends `more`, which {@link mayFinish} has looked at. */
  append(more: string): void {
    this.text += more;
    this.#tail = more.length >= 2 ? more.slice(-2) : (this.#tail + more).slice(-2);
  }

  /** True when `more`, coming next, may finish the held token or show it malformed: then parse again. */
  mayFinish(more: string): boolean {
    switch (this.#awaits) {
      case AWAITS_LT:
        return more.indexOf('<') >= 0;
      case AWAITS_GT:
        return more.indexOf('>') >= 0;
      // the terminators of these may straddle the chunks: look at them with the end of the held input
      case AWAITS_PI_END:
        return (this.#tail + more).indexOf('?>') >= 0;
      case AWAITS_CDATA_END:
        return (this.#tail + more).indexOf(']]>') >= 0;
      case AWAITS_TAG_END:
        return this.#scanTag(more, 0);
      default:
        return true;
    }
  }

  /** Follows the quotes of a start tag through `s` from `from`; true at a ">" outside the values or any "<". */
  #scanTag(s: string, from: number): boolean {
    let i = from;
    for (;;) {
      if (this.#quote !== 0) {
        i = skip(this.#quote === 34 ? IN_DOUBLE_QUOTES : IN_SINGLE_QUOTES, s, i);
        if (i >= s.length) return false;
        if (s.charCodeAt(i) === 60) return true;
        this.#quote = 0;
        i++;
      }
      i = skip(IN_TAG, s, i);
      if (i >= s.length) return false;
      const c = s.charCodeAt(i);
      if (c === 60 || c === 62) return true;
      this.#quote = c;
      i++;
    }
  }
}

/** A signal used internally to unwind on the first error. */
class Stop extends Error {}

class StreamParser implements XmlParser {
  readonly #held = new HeldInput();
  #stack: XmlElement[] = [];
  readonly #scope = new PrefixScope();
  #root: XmlElement | undefined;
  #rootDecls: RootDeclarations = new Map();
  #stanzaSize = 0;
  #failed = false;
  #ended = false;
  #carry = '';
  #decoder: TextDecoder | undefined;
  #generation = 0;
  readonly #max: number;
  readonly #maxDepth: number;
  readonly #fragment: boolean;

  readonly #handler: XmlParserHandler;

  constructor(handler: XmlParserHandler, options: XmlParserOptions = {}) {
    this.#handler = handler;
    this.#max = options.maxStanzaSize ?? DEFAULT_MAX_STANZA_SIZE;
    this.#maxDepth = maxDepthOf(options);
    this.#fragment = options.fragment ?? false;
  }

  get idle(): boolean {
    // after the stream ended the stack is empty too: nothing is partly read then either; text between
    // elements is never held, so held input there is a token begun
    return !this.#inStanza() && this.#held.text === '';
  }

  reset(): void {
    this.#held.text = '';
    this.#stack = [];
    this.#scope.clear();
    this.#root = undefined;
    this.#rootDecls = new Map();
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
      this.#read(text);
      if (bad >= 0 && gen === this.#generation) this.#fail('bad-format', `character ${charLabel(badChar)}`);
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  #fail(condition: XmlErrorCondition, message: string): never {
    this.#failed = true;
    this.#held.text = '';
    this.#handler.onError(new XmlParseError(condition, message));
    throw new Stop();
  }

  /** Parses `text` after the held input, or only holds it while it cannot finish the held token. */
  #read(text: string): void {
    const held = this.#held;
    if (held.text === '') return this.#parse(text);
    const finishing = held.mayFinish(text);
    held.append(text);
    if (!finishing) return this.#checkHeld(held.text.length);
    const all = held.text;
    held.text = '';
    this.#parse(all);
  }

  #parse(buf: string): void {
    const gen = this.#generation;
    let pos = 0;
    while (pos < buf.length && gen === this.#generation && !this.#failed) {
      const lt = buf.indexOf('<', pos);
      const textEnd = lt < 0 ? buf.length : lt;
      if (textEnd > pos) {
        if (lt < 0) {
          // text without its end yet: held whole, so that no entity or line end is split
          const pending = buf.length - pos;
          if (this.#inStanza() && this.#stanzaSize + pending > this.#max) this.#tooBig();
          if (this.#atTopLevel()) {
            if (!WHITESPACE_ONLY.test(buf.slice(pos))) this.#fail('bad-format', 'text outside of any element');
            pos = buf.length;
          }
          break;
        }
        // counted first: text over the limit is refused without decoding it
        this.#count(textEnd - pos);
        this.#text(buf.slice(pos, textEnd));
        pos = textEnd;
      }
      const next = this.#markup(buf, pos);
      if (next < 0) break; // incomplete token: wait for more input
      pos = next;
    }
    if (gen === this.#generation && pos < buf.length) {
      this.#held.hold(pos === 0 ? buf : buf.slice(pos));
      this.#checkHeld(buf.length - pos);
    }
  }

  /** Refuses held input that would take the stanza over the limit (or is over it outside any stanza). */
  #checkHeld(length: number): void {
    if ((this.#inStanza() ? this.#stanzaSize : 0) + length > this.#max) this.#tooBig();
  }

  #inStanza(): boolean {
    return this.#stanzaDepth() > 0;
  }

  /** How many elements of the current stanza (or frame) are open; the stream root is not one of them. */
  #stanzaDepth(): number {
    return this.#stack.length - (this.#root ? 1 : 0);
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
      this.#closeTag(trimEndXml(buf.slice(pos + 2, gt)));
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
        this.#count(end + 3 - pos);
        (this.#stack[this.#stack.length - 1] as XmlElement).children.push(normalizeNewlines(buf.slice(pos + 9, end)));
        return end + 3;
      }
      this.#fail(buf.startsWith('<!ENTITY', pos) ? 'restricted-xml' : 'bad-format', 'markup declaration');
    }
    const i = this.#startTagEnd(buf, pos);
    if (i < 0) return -1;
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

  /** The index of the ">" ending the start tag at `pos`, skipping quoted values (which may hold ">"); -1 when incomplete. */
  #startTagEnd(buf: string, pos: number): number {
    let i = pos + 1;
    for (;;) {
      i = skip(IN_TAG, buf, i);
      const ch = buf.charCodeAt(i);
      if (ch === 62 /* > */) return i;
      if (ch === 60 /* < */) this.#fail('bad-format', 'unexpected "<" inside a tag');
      if (Number.isNaN(ch)) return -1;
      i = skip(ch === 34 ? IN_DOUBLE_QUOTES : IN_SINGLE_QUOTES, buf, i + 1);
      // "<" cannot be in a value: an unterminated one is refused now, not once the limit is reached
      if (buf.charCodeAt(i) === 60) this.#fail('bad-format', '"<" in attribute value');
      if (i >= buf.length) return -1;
      i++;
    }
  }

  #openTag(tag: string, selfClosing: boolean): void {
    if (this.#ended) this.#fail('bad-format', 'content after the stream');
    let n = 0;
    while (n < tag.length && !isSpace(tag.charCodeAt(n))) n++;
    const name = tag.slice(0, n);
    if (!NAME.test(name)) this.#fail('bad-format', `invalid element name "${name}"`);
    const isRoot = !this.#fragment && !this.#root;
    if (!isRoot && this.#stanzaDepth() >= this.#maxDepth) this.#fail('policy-violation', `elements nested deeper than ${this.#maxDepth}`);
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
    const depth = this.#stack.length + 1;
    this.#checkNamespaces(el, depth);
    if (selfClosing) this.#scope.leave(depth); // its declarations were for itself only
    if (isRoot) {
      this.#rootDecls = rootDeclarations(attrs) ?? this.#fail('policy-violation', `over ${MAX_ROOT_DECLARATIONS} namespace declarations on <${name}>`);
      this.#root = el;
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
    this.#scope.leave(this.#stack.length + 1);
    if (top === this.#root) return this.#endStream();
    if (this.#stack.length === 0 || this.#stack[this.#stack.length - 1] === this.#root) this.#emit(top);
  }

  #endStream(): void {
    this.#stack = [];
    this.#scope.clear();
    this.#ended = true;
    this.#handler.onStreamEnd();
  }

  #emit(el: XmlElement): void {
    inheritRootDeclarations(el, this.#rootDecls);
    this.#stanzaSize = 0;
    this.#handler.onElement(el);
  }

  /** Brings the declarations of an element opened at `depth` into scope, then checks the prefixes it uses. */
  #checkNamespaces(el: XmlElement, depth: number): void {
    let prefixedAttributes = false; // checked once all of its own declarations are in scope
    for (const key in el.attrs) {
      if (key.startsWith('xmlns:')) {
        if (el.attrs[key] === '') this.#fail('bad-format', `empty ${key}`);
        if (key === 'xmlns:xmlns') this.#fail('bad-format', 'xmlns:xmlns');
        this.#scope.declare(key.slice(6), depth);
      } else if (key.indexOf(':') > 0) prefixedAttributes = true;
    }
    if (prefixedAttributes) {
      for (const key in el.attrs) {
        const colon = key.indexOf(':');
        if (colon > 0 && !key.startsWith('xmlns:')) this.#needPrefix(key.slice(0, colon), key);
      }
    }
    const prefix = el.prefix;
    if (prefix) {
      if (prefix === 'xmlns') this.#fail('bad-format', `<${el.name}>: reserved prefix`);
      this.#needPrefix(prefix, el.name);
    }
  }

  #needPrefix(prefix: string, where: string): void {
    if (prefix !== 'xml' && !this.#scope.has(prefix)) this.#fail('bad-format', `undeclared prefix in ${where}`);
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

/** Drops trailing XML whitespace, in one pass (a `/\s+$/` replace is quadratic on long inner runs). */
function trimEndXml(s: string): string {
  let end = s.length;
  while (end > 0 && isSpace(s.charCodeAt(end - 1))) end--;
  return end === s.length ? s : s.slice(0, end);
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
