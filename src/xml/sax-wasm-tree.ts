// Builds the XmlElement of one complete element from sax-wasm's events, checked token by token against the
// backend's own scan (sax-wasm reports no errors: it closes tags implicitly and accepts unquoted values).
import { XmlElement } from './element.js';
import { PrefixScope } from './namespace-scope.js';
import { NAME } from './parser.js';
import { ATTRIBUTE_SIZE, MARK_CDATA, MARK_CLOSE, MARK_OPEN, MARK_SELF, type SaxTokens, type SaxWasmEngine, TOKEN_SIZE } from './sax-wasm-engine.js';
import { attributeValue, cdataValue, checkNamespaces, isBlank, isSpace, RecentNames, Refusal, setOwn, textValue } from './sax-wasm-rules.js';

/**
 * Turns the UTF-8 byte offsets of `read` into UTF-16 indexes of `source` (-1 inside a character), in place.
 * One walk, from each offset to the next: they come in document order (an attribute before its tag's end).
 */
function toCharOffsets(source: string, read: SaxTokens): void {
  const { tokens, attributes } = read;
  const walk = new Utf8Walk(source);
  let a = 0;
  for (let t = 0; t < tokens.length; t += TOKEN_SIZE) {
    const kind = tokens[t];
    if (kind === MARK_OPEN || kind === MARK_SELF) {
      const last = a + (tokens[t + 2] as number) * ATTRIBUTE_SIZE;
      for (; a < last; a += ATTRIBUTE_SIZE) for (let k = a + 1; k < a + ATTRIBUTE_SIZE; k++) attributes[k] = walk.index(attributes[k] as number);
    }
    tokens[t + 1] = walk.index(tokens[t + 1] as number); // a tag's end, or a CDATA section's start
    if (kind === MARK_CDATA) tokens[t + 2] = walk.index(tokens[t + 2] as number);
  }
}

const NON_ASCII = /[^\u0000-\u007F]/g;

/** A position in `source` in both UTF-8 bytes and UTF-16 units, moved to the byte offsets asked. */
class Utf8Walk {
  private byte = 0;
  private char = 0;
  /** The first non-ASCII unit from `char` on (the length: none), or below `char` when not known. */
  private wide = -1;

  constructor(private readonly source: string) {}

  /** The UTF-16 index at UTF-8 offset `offset`, or -1 when that is inside a character or past the end. */
  index(offset: number): number {
    const s = this.source;
    let b = this.byte;
    let i = this.char;
    while (b < offset) {
      if (this.wide < i) {
        NON_ASCII.lastIndex = i;
        this.wide = NON_ASCII.test(s) ? NON_ASCII.lastIndex - 1 : s.length;
      }
      // up to the next non-ASCII character, bytes and units go together
      const ascii = Math.min(offset - b, this.wide - i);
      b += ascii;
      i += ascii;
      if (b === offset || i >= s.length) break;
      const c = s.charCodeAt(i);
      const width = c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : 3;
      if (b + width > offset) break;
      b += width;
      i += width === 4 ? 2 : 1; // a surrogate pair is one 4-byte character
      if (s.charCodeAt(i) >= 0x80) this.wide = i; // a run of them: no search needed for the next
    }
    // backwards only if sax-wasm ever reported offsets out of order
    if (b > offset) this.wide = -1;
    while (b > offset) {
      const c = s.charCodeAt(i - 1);
      const width = c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xdc00 && c <= 0xdfff ? 4 : 3;
      if (b - width < offset) break;
      b -= width;
      i -= width === 4 ? 2 : 1;
    }
    // where the walk stopped is a character boundary either way: the next offset starts from there
    this.byte = b;
    this.char = i;
    return b === offset ? i : -1;
  }
}

/**
 * sax-wasm drops an end tag whose name is followed by a tab or line break (`</a\n>`), so the copy it reads
 * has those turned into spaces: same length in UTF-16 and UTF-8, so every offset still holds.
 */
function spacedEndTags(source: string, marks: readonly number[]): string {
  let out: string[] | undefined;
  let last = 0;
  for (let m = 0; m < marks.length; m += 3) {
    if (marks[m] !== MARK_CLOSE) continue;
    const start = marks[m + 1] as number;
    const end = marks[m + 2] as number;
    if (!isSpace(source.charCodeAt(end - 2))) continue; // the common "</name>"
    const tag = source.slice(start, end);
    if (!/[\t\r\n]/.test(tag)) continue;
    out ??= [];
    out.push(source.slice(last, start), tag.replace(/[\t\r\n]/g, ' '));
    last = end;
  }
  return out ? out.join('') + source.slice(last) : source;
}

/** Attribute names, shared by every parser: the same few come again and again. */
const RECENT_NAMES = new RecentNames();
/** The prefixes declared in the element being built; one build at a time, and each starts it afresh. */
const SCOPE = new PrefixScope();

function mismatch(what: string): never {
  throw new Refusal('bad-format', `malformed markup near ${what}`);
}

/**
 * Tokenizes `source` (one whole element) with sax-wasm and builds its tree. `marks` and `names` are what
 * the scan found (every tag and CDATA section, in order); `root` holds the stream root's attributes.
 */
export function buildElement(
  engine: SaxWasmEngine,
  source: string,
  marks: readonly number[],
  names: readonly string[],
  root: Record<string, string> | undefined,
): XmlElement {
  const { tokens: read, bytes } = engine.tokenize(spacedEndTags(source, marks));
  const { tokens, tagNames } = read;
  if (bytes !== source.length) toCharOffsets(source, read);
  const stack: XmlElement[] = [];
  SCOPE.clear(); // a refused element may have left some behind
  let result: XmlElement | undefined;
  let m = 0;
  let n = 0;
  let a = 0; // the first attribute of the next start tag
  let prev = 0;
  for (let t = 0; t < tokens.length; t += TOKEN_SIZE) {
    const token = tokens[t];
    const kind = marks[m];
    const start = marks[m + 1] as number;
    const end = marks[m + 2] as number;
    m += 3;
    const top = stack[stack.length - 1];
    if (start > prev) {
      if (!top) mismatch(`offset ${prev}`);
      top.children.push(textValue(source.slice(prev, start)));
    }
    prev = end;
    if (token === MARK_OPEN || token === MARK_SELF) {
      const name = names[n];
      const tagName = tagNames[n++] as string;
      if (kind !== token || tagName !== name || tokens[t + 1] !== end) mismatch(`<${name ?? tagName}>`);
      const selfClosing = token === MARK_SELF;
      const count = tokens[t + 2] as number;
      // the scan has checked the name against NAME, and the tokens match the scan
      const el = new XmlElement(tagName);
      el.attrs = attributes(source, start, end, tagName, selfClosing, read, a, count);
      a += count;
      el.parent = top;
      const depth = stack.length + 1;
      checkNamespaces(el, depth, SCOPE, root);
      if (selfClosing) SCOPE.leave(depth); // its declarations were for itself only
      if (top) top.children.push(el);
      else if (result) mismatch(`<${name}>`);
      else result = el;
      if (!selfClosing) stack.push(el);
    } else if (token === MARK_CLOSE) {
      if (kind !== MARK_CLOSE || tokens[t + 1] !== end || !top) mismatch(`</${top?.name ?? ''}>`);
      stack.pop();
      SCOPE.leave(stack.length + 1);
    } else {
      if (kind !== MARK_CDATA || tokens[t + 1] !== start || tokens[t + 2] !== end || !top) {
        mismatch('a CDATA section');
      }
      top.children.push(cdataValue(source.slice(start + 9, end - 3)));
    }
  }
  if (m !== marks.length || stack.length > 0 || !result || prev !== source.length) mismatch(`<${names[0] ?? ''}>`);
  result.parent = undefined;
  return result;
}

/** Checks sax-wasm's reading of a start tag (attributes `first` to `first + count`) against the source, then decodes the attributes. */
function attributes(
  source: string,
  start: number,
  end: number,
  name: string,
  selfClosing: boolean,
  read: SaxTokens,
  first: number,
  count: number,
): Record<string, string> {
  const attrs: Record<string, string> = {};
  const numbers = read.attributes;
  let p = start + 1 + name.length;
  for (let k = first; k < first + count; k++) {
    const at = k * ATTRIBUTE_SIZE;
    const quote = numbers[at] as number;
    const nameEnd = numbers[at + 2] as number;
    const decoded = read.attributeNames[k];
    // sax-wasm's name start where it holds, else as far back from the end as its own reading of the name is long
    const nameStart = decoded === undefined ? (numbers[at + 1] as number) : nameEnd - decoded.length;
    // from the source: a name read lately (already checked) when it is one, else a fresh slice
    const recent = decoded === undefined ? RECENT_NAMES.find(source, nameStart, nameEnd) : undefined;
    const key = decoded ?? recent ?? (nameStart >= 0 && nameEnd >= nameStart ? source.slice(nameStart, nameEnd) : '');
    if (!quote) throw new Refusal('bad-format', `attribute "${key}" without a quoted value in <${name}>`);
    const valueStart = numbers[at + 3] as number;
    const valueEnd = numbers[at + 4] as number;
    if (nameStart <= p || !isBlank(source, p, nameStart)) throw new Refusal('bad-format', `missing whitespace between attributes in <${name}>`);
    if (recent === undefined) {
      if (!NAME.test(key)) throw new Refusal('bad-format', `invalid attribute name "${key}" in <${name}>`);
      if (decoded === undefined) RECENT_NAMES.add(key);
    }
    if (
      valueStart < 0 ||
      valueEnd < valueStart ||
      valueEnd >= end ||
      (decoded !== undefined && !source.startsWith(key, nameStart)) ||
      source.charCodeAt(valueStart - 1) !== quote ||
      source.charCodeAt(valueEnd) !== quote ||
      !isEquals(source, nameEnd, valueStart - 1)
    ) {
      mismatch(`attribute "${key}" in <${name}>`);
    }
    const raw = source.slice(valueStart, valueEnd);
    const plain = isPlainValue(source, valueStart, valueEnd, quote);
    if (!plain && raw.indexOf(quote === 34 ? '"' : "'") >= 0) mismatch(`attribute "${key}" in <${name}>`);
    if (!plain && raw.indexOf('<') >= 0) throw new Refusal('bad-format', `"<" in attribute value in <${name}>`);
    if (Object.hasOwn(attrs, key)) throw new Refusal('bad-format', `duplicate attribute "${key}" in <${name}>`);
    setOwn(attrs, key, plain ? raw : attributeValue(raw));
    p = valueEnd + 1;
  }
  if (!isBlank(source, p, end - (selfClosing ? 2 : 1))) mismatch(`<${name}>`);
  return attrs;
}

// runs of characters a value can use as they are: no "<", "&", tab, CR, LF or its own quote
const PLAIN_IN_SINGLE = /[^<&\t\n\r']*/y;
const PLAIN_IN_DOUBLE = /[^<&\t\n\r"]*/y;

/** True when the value `s[from, to)`, followed by its `quote`, is used as it is. */
function isPlainValue(s: string, from: number, to: number, quote: number): boolean {
  const plain = quote === 34 ? PLAIN_IN_DOUBLE : PLAIN_IN_SINGLE;
  plain.lastIndex = from;
  plain.test(s);
  return plain.lastIndex === to; // the run stops at the closing quote at the latest
}

/** True when `s[from, to)` is `=` with optional whitespace around it. */
function isEquals(s: string, from: number, to: number): boolean {
  let eq = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) eq++;
    else if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return eq === 1;
}
