// The sax-wasm backend's XmlParser: a cheap, resumable scan (tags, quotes, CDATA, the open-element stack)
// finds each complete top-level element, so sax-wasm only ever sees whole elements, never a split token.
import type { XmlElement } from './element.js';
import { charLabel, invalidXmlCharAt } from './escape.js';
import {
  DEFAULT_MAX_STANZA_SIZE,
  maxDepthOf,
  NAME,
  type XmlErrorCondition,
  XmlParseError,
  type XmlParser,
  type XmlParserHandler,
  type XmlParserOptions,
} from './parser.js';
import { inheritRootDeclarations, MAX_ROOT_DECLARATIONS, type RootDeclarations, rootDeclarations } from './root-declarations.js';
import { MARK_CDATA, MARK_CLOSE, MARK_OPEN, MARK_SELF, MAX_WRITE, type SaxWasmEngine } from './sax-wasm-engine.js';
import { isBlank, isSpace, Refusal, trimEndXml } from './sax-wasm-rules.js';
import { buildElement } from './sax-wasm-tree.js';

// what the scan is in the middle of
const TEXT = 0;
const LT = 1; // just after "<"
const START = 2; // a start tag
const END = 3; // an end tag
const BANG = 4; // "<!" and the start of its keyword
const CDATA = 5;
const PI = 6;

const DECLARATIONS = ['<![CDATA[', '<!DOCTYPE', '<!--', '<!ENTITY'];
const PI_TARGET = /^[^\s?]*/;

/** A signal used internally to unwind on the first error. */
class Stop extends Error {}

/** A streaming parser on a shared {@link SaxWasmEngine}; same events, errors and limits as the default backend. */
export class SaxWasmParser implements XmlParser {
  private readonly max: number;
  private readonly maxDepth: number;
  private readonly fragment: boolean;
  private failed = false;
  private generation = 0;
  private decoder: TextDecoder | undefined;
  private carry = '';
  private queue: (string | Uint8Array)[] = [];
  private busy = false;

  // input: positions count UTF-16 units since the last reset
  private total = 0;
  private parts: string[] = []; // input kept for the element or token in progress, from `partsAt`
  private partsAt = 0;
  private chunk = '';
  private chunkAt = 0;

  // the token in progress
  private state = TEXT;
  private tokenAt = 0;
  private head = ''; // element name, end-tag content, PI content, "<!" keyword or CDATA tail
  private quote = 0;
  private last = 0;
  private named = false;
  private badName = false;

  // the top-level element in progress
  private elementAt = -1;
  private stack: string[] = [];
  private marks: number[] = [];
  private names: string[] = [];

  // stream mode
  private root: Record<string, string> | undefined;
  private rootName = '';
  private rootDecls: RootDeclarations = new Map();
  private ended = false;

  constructor(
    private readonly engine: SaxWasmEngine,
    private readonly handler: XmlParserHandler,
    options: XmlParserOptions = {},
  ) {
    this.max = options.maxStanzaSize ?? DEFAULT_MAX_STANZA_SIZE;
    this.maxDepth = maxDepthOf(options);
    this.fragment = options.fragment ?? false;
  }

  get idle(): boolean {
    return this.state === TEXT && this.elementAt < 0;
  }

  reset(): void {
    this.failed = false;
    this.generation++;
    this.decoder = undefined;
    this.carry = '';
    this.queue = [];
    this.total = 0;
    this.parts = [];
    this.partsAt = 0;
    this.chunk = '';
    this.chunkAt = 0;
    this.state = TEXT;
    this.head = '';
    this.elementAt = -1;
    this.stack = [];
    this.marks = [];
    this.names = [];
    this.root = undefined;
    this.rootName = '';
    this.rootDecls = new Map();
    this.ended = false;
  }

  write(chunk: string | Uint8Array): void {
    if (this.busy) {
      this.queue.push(chunk); // written from a handler: taken in order once the current chunk is done
      return;
    }
    this.busy = true;
    try {
      this.consume(chunk);
      for (let next = this.queue.shift(); next !== undefined; next = this.queue.shift()) this.consume(next);
    } finally {
      this.busy = false;
      if (this.queue.length > 0) this.queue = [];
    }
  }

  private consume(chunk: string | Uint8Array): void {
    if (this.failed) return;
    try {
      let text: string;
      if (typeof chunk === 'string') text = chunk;
      else {
        this.decoder ??= new TextDecoder('utf-8', { fatal: true });
        try {
          text = this.decoder.decode(chunk, { stream: true });
        } catch {
          this.fail('bad-format', 'input is not valid UTF-8');
        }
      }
      text = this.carry + text;
      this.carry = '';
      // hold back a trailing high surrogate: its pair may come in the next chunk
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        this.carry = text.slice(-1);
        text = text.slice(0, -1);
      }
      // what precedes a forbidden character is still read: the events must not depend on the chunking
      const bad = invalidXmlCharAt(text);
      const gen = this.generation;
      this.scan(bad < 0 ? text : text.slice(0, bad));
      if (bad >= 0 && gen === this.generation) {
        this.fail('bad-format', `character ${charLabel(text.charCodeAt(bad))}`);
      }
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
  }

  private fail(condition: XmlErrorCondition, message: string): never {
    this.failed = true;
    this.parts = [];
    this.chunk = '';
    this.handler.onError(new XmlParseError(condition, message));
    throw new Stop();
  }

  private tooBig(): never {
    const limit = Math.min(this.max, MAX_WRITE);
    this.fail('policy-violation', `stanza larger than the limit of ${limit} characters`);
  }

  private scan(text: string): void {
    const gen = this.generation;
    this.chunk = text;
    this.chunkAt = this.total;
    this.total += text.length;
    for (let i = 0; i < text.length; ) {
      i = this.step(text, i);
      if (gen !== this.generation) return; // a handler reset the parser: the rest belonged to the old stream
    }
    this.retain();
  }

  /** Keeps the input of the element or token in progress; refuses it once it is over the limit. */
  private retain(): void {
    const keep = this.elementAt >= 0 ? this.elementAt : this.state !== TEXT ? this.tokenAt : -1;
    if (keep < 0) {
      this.parts = [];
      this.partsAt = this.total;
    } else {
      if (keep >= this.chunkAt) {
        this.parts = [this.chunk.slice(keep - this.chunkAt)];
        this.partsAt = keep;
      } else this.parts.push(this.chunk);
      // UTF-8 never takes fewer bytes than UTF-16 units, so anything over MAX_WRITE units cannot be tokenized
      if (this.total - keep > Math.min(this.max, MAX_WRITE)) this.tooBig();
    }
    this.chunk = '';
  }

  /** Input from `from` to `to` (which is in the current chunk). */
  private source(from: number, to: number): string {
    if (from >= this.chunkAt) return this.chunk.slice(from - this.chunkAt, to - this.chunkAt);
    return (this.parts.join('') + this.chunk.slice(0, to - this.chunkAt)).slice(from - this.partsAt);
  }

  /** Scans from `i` in the current state; returns where to continue. */
  private step(text: string, i: number): number {
    switch (this.state) {
      case TEXT:
        return this.text(text, i);
      case LT:
        return this.afterLt(text, i);
      case START:
        return this.startTag(text, i);
      case END:
        return this.endTag(text, i);
      case BANG:
        return this.bang(text, i);
      case CDATA:
        return this.cdata(text, i);
      default:
        return this.pi(text, i);
    }
  }

  private text(text: string, i: number): number {
    const lt = text.indexOf('<', i);
    const end = lt < 0 ? text.length : lt;
    // text inside an element is read later from the source; outside, only whitespace keepalives may appear
    if (end > i && this.stack.length === 0 && !isBlank(text, i, end)) this.fail('bad-format', 'text outside of any element');
    if (lt < 0) return text.length;
    this.state = LT;
    this.tokenAt = this.chunkAt + lt;
    return lt + 1;
  }

  private afterLt(text: string, i: number): number {
    const c = text.charCodeAt(i);
    this.head = '';
    if (c === 47 /* / */) {
      this.state = END;
      return i + 1;
    }
    if (c === 63 /* ? */) {
      this.state = PI;
      this.last = c; // the "?" of "<?" may already close it, as in "<?>"
      return i + 1;
    }
    if (c === 33 /* ! */) {
      this.state = BANG;
      this.head = '<!';
      return i + 1;
    }
    this.state = START;
    this.quote = 0;
    this.last = 0;
    this.named = false;
    this.badName = false;
    return i;
  }

  private startTag(text: string, i: number): number {
    const from = i;
    const n = text.length;
    // the state in locals while in the loop: written back when the tag goes on in the next chunk
    let quote = this.quote;
    let last = this.last;
    let named = this.named;
    let lt = -1; // the next "<" (n: none), looked up once a value needs it: none may come before the tag's end
    for (; i < n; i++) {
      if (quote !== 0) {
        const q = text.indexOf(quote === 34 ? '"' : "'", i);
        if (lt < 0) {
          lt = text.indexOf('<', i);
          if (lt < 0) lt = n;
        }
        // "<" cannot be in a value: an unterminated one is refused at once (searching only the value itself)
        if (lt < (q < 0 ? n : q)) this.fail('bad-format', '"<" in attribute value');
        if (q < 0) {
          last = text.charCodeAt(n - 1);
          break;
        }
        quote = 0;
        last = text.charCodeAt(q);
        i = q;
        continue;
      }
      const c = text.charCodeAt(i);
      if (c === 62 /* > */) {
        const selfClosing = last === 47;
        let name = this.head;
        if (!named) {
          name += text.slice(from, i);
          if (selfClosing) name = name.slice(0, -1);
        }
        this.state = TEXT;
        this.openTag(this.badName ? `${name}"` : name, selfClosing, this.chunkAt + i + 1);
        return i + 1;
      }
      if (c === 34 || c === 39) {
        quote = c;
        if (!named) {
          this.head += text.slice(from, i);
          named = true;
          this.badName = true; // the name runs into a quote
        }
      } else if (c === 60 /* < */) this.fail('bad-format', 'unexpected "<" inside a tag');
      else if (!named && isSpace(c)) {
        this.head += text.slice(from, i);
        named = true;
      }
      last = c;
    }
    if (!named) this.head += text.slice(from, n);
    this.quote = quote;
    this.last = last;
    this.named = named;
    return n;
  }

  private endTag(text: string, i: number): number {
    const gt = text.indexOf('>', i);
    if (gt < 0) {
      this.head += text.slice(i);
      return text.length;
    }
    this.state = TEXT;
    this.closeTag(trimEndXml(this.head + text.slice(i, gt)), this.chunkAt + gt + 1);
    return gt + 1;
  }

  private pi(text: string, i: number): number {
    let end = -1;
    if (this.last === 63 && text.charCodeAt(i) === 62) end = i;
    else {
      const q = text.indexOf('?>', i);
      if (q >= 0) end = q + 1;
    }
    if (end < 0) {
      this.head += text.slice(i);
      this.last = text.charCodeAt(text.length - 1);
      return text.length;
    }
    this.head += text.slice(i, end);
    this.state = TEXT;
    const target = PI_TARGET.exec(this.head)?.[0];
    // only the XML declaration, and only before the stream root (or between frames)
    if (target !== 'xml' || this.stack.length > 0 || (this.root !== undefined && !this.ended)) {
      this.fail('restricted-xml', 'processing instructions are not allowed in XMPP');
    }
    return end + 1;
  }

  private bang(text: string, i: number): number {
    // read just enough of the keyword: the verdict must not depend on where the input was split
    while (DECLARATIONS.some((kw) => kw.length > this.head.length && kw.startsWith(this.head))) {
      if (i >= text.length) return i;
      this.head += text.charAt(i++);
    }
    const head = this.head;
    if (head.startsWith('<!--')) this.fail('restricted-xml', 'comments are not allowed in XMPP');
    if (head.startsWith('<!DOCTYPE')) this.fail('restricted-xml', 'document type declarations are not allowed in XMPP');
    if (!head.startsWith('<![CDATA[')) {
      this.fail(head.startsWith('<!ENTITY') ? 'restricted-xml' : 'bad-format', 'markup declarations are not allowed in XMPP');
    }
    if (this.stack.length === 0) this.fail('bad-format', 'CDATA outside of any element');
    this.state = CDATA;
    this.head = '';
    return i;
  }

  private cdata(text: string, i: number): number {
    // `head` holds the last two characters of the section so far: "]]>" may straddle chunks
    const tail = this.head;
    const k = (tail + text.slice(i, i + 2)).indexOf(']]>');
    let end = k >= 0 ? i + k + 3 - tail.length : -1;
    if (end < 0) {
      const e = text.indexOf(']]>', i);
      if (e >= 0) end = e + 3;
    }
    if (end < 0) {
      this.head = (tail + text.slice(Math.max(i, text.length - 2))).slice(-2);
      return text.length;
    }
    this.state = TEXT;
    this.mark(MARK_CDATA, this.chunkAt + end);
    return end;
  }

  private mark(kind: number, end: number): void {
    this.marks.push(kind, this.tokenAt - this.elementAt, end - this.elementAt);
  }

  private openTag(name: string, selfClosing: boolean, end: number): void {
    if (this.ended) this.fail('bad-format', 'content after the end of the stream');
    if (!NAME.test(name)) this.fail('bad-format', `invalid element name "${name}"`);
    if (!this.fragment && this.root === undefined) return this.openRoot(name, selfClosing, end);
    // `stack` holds the open elements of the top-level element only: the stream root is not one of them
    if (this.stack.length >= this.maxDepth) this.fail('policy-violation', `elements nested deeper than ${this.maxDepth}`);
    if (this.stack.length === 0) {
      this.elementAt = this.tokenAt;
      this.marks = [];
      this.names = [];
    }
    this.mark(selfClosing ? MARK_SELF : MARK_OPEN, end);
    this.names.push(name);
    if (!selfClosing) this.stack.push(name);
    else if (this.stack.length === 0) this.complete(end);
  }

  private closeTag(name: string, end: number): void {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      if (this.root === undefined || this.ended) this.fail('bad-format', `unexpected closing tag </${name}>`);
      if (name !== this.rootName) this.fail('bad-format', `closing tag </${name}> does not match <${this.rootName}>`);
      this.ended = true;
      this.handler.onStreamEnd();
      return;
    }
    if (name !== top) this.fail('bad-format', `closing tag </${name}> does not match <${top}>`);
    this.stack.pop();
    this.mark(MARK_CLOSE, end);
    if (this.stack.length === 0) this.complete(end);
  }

  private build(source: string, marks: number[], names: string[]): XmlElement {
    try {
      return buildElement(this.engine, source, marks, names, this.root);
    } catch (e) {
      if (e instanceof Refusal) this.fail(e.condition, e.message);
      throw e;
    }
  }

  private openRoot(name: string, selfClosing: boolean, end: number): void {
    const tag = this.source(this.tokenAt, end);
    // the root stays open for the whole stream: sax-wasm reads its attributes from an empty-tag copy
    const source = selfClosing ? tag : `${tag.slice(0, -1)}/>`;
    const attrs = this.build(source, [MARK_SELF, 0, source.length], [name]).attrs;
    this.rootDecls = rootDeclarations(attrs) ?? this.fail('policy-violation', `over ${MAX_ROOT_DECLARATIONS} namespace declarations on <${name}>`);
    this.root = attrs;
    this.rootName = name;
    const gen = this.generation;
    this.handler.onStreamStart(name, { ...attrs });
    if (selfClosing && gen === this.generation) {
      this.ended = true;
      this.handler.onStreamEnd();
    }
  }

  private complete(end: number): void {
    if (end - this.elementAt > this.max) this.tooBig();
    const el = this.build(this.source(this.elementAt, end), this.marks, this.names);
    this.elementAt = -1;
    inheritRootDeclarations(el, this.rootDecls);
    this.handler.onElement(el);
  }
}
