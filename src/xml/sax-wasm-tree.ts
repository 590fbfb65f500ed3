// Builds the XmlElement of one complete element from sax-wasm's events, checked token by token against the
// backend's own scan (sax-wasm reports no errors: it closes tags implicitly and accepts unquoted values).
import { XmlElement } from './element.js';
import type { SaxAttribute, SaxWasmEngine } from './sax-wasm-engine.js';
import { attributeValue, cdataValue, checkNamespaces, isBlank, isSpace, NAME, Refusal, setOwn, textValue } from './sax-wasm-rules.js';

/** Kinds of the markup the scan found, recorded as (kind, start, end) triples relative to the element. */
export const MARK_OPEN = 0;
export const MARK_SELF = 1;
export const MARK_CLOSE = 2;
export const MARK_CDATA = 3;

/** A map from UTF-8 byte offsets to UTF-16 indexes of `source`; -1 inside a character. */
function byteToChar(source: string, bytes: number): Int32Array {
  const map = new Int32Array(bytes + 1).fill(-1);
  let b = 0;
  for (let i = 0; i < source.length; i++) {
    map[b] = i;
    const c = source.charCodeAt(i);
    if (c < 0x80) b += 1;
    else if (c < 0x800) b += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      b += 4;
      i++; // the low surrogate: the pair is one 4-byte character
    } else b += 3;
  }
  map[bytes] = source.length;
  return map;
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
  const { tokens, bytes } = engine.tokenize(spacedEndTags(source, marks));
  const map = bytes === source.length ? undefined : byteToChar(source, bytes);
  const at = (offset: number): number => (map ? (map[offset] ?? -1) : offset);
  const stack: XmlElement[] = [];
  let result: XmlElement | undefined;
  let m = 0;
  let n = 0;
  let prev = 0;
  for (const token of tokens) {
    if (token.kind === 'close' && token.selfClosing) continue; // the open event of an empty tag did the work
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
    if (token.kind === 'open') {
      const name = names[n++];
      if ((kind !== MARK_OPEN && kind !== MARK_SELF) || token.name !== name || token.selfClosing !== (kind === MARK_SELF) || at(token.end) !== end) {
        mismatch(`<${name ?? token.name}>`);
      }
      const el = new XmlElement(token.name);
      el.attrs = attributes(source, start, end, token.name, token.selfClosing, token.attrs, at);
      el.parent = top; // linked before the namespace check, which looks through the ancestors
      checkNamespaces(el, root);
      if (top) top.children.push(el);
      else if (result) mismatch(`<${name}>`);
      else result = el;
      if (!token.selfClosing) stack.push(el);
    } else if (token.kind === 'close') {
      if (kind !== MARK_CLOSE || at(token.end) !== end || !top) mismatch(`</${top?.name ?? ''}>`);
      stack.pop();
    } else {
      if (kind !== MARK_CDATA || at(token.start) !== start || at(token.end) !== end || !top) mismatch('a CDATA section');
      top.children.push(cdataValue(source.slice(start + 9, end - 3)));
    }
  }
  if (m !== marks.length || stack.length > 0 || !result || prev !== source.length) mismatch(`<${names[0] ?? ''}>`);
  result.parent = undefined;
  return result;
}

/** Checks sax-wasm's reading of a start tag against the source, then decodes the attributes. */
function attributes(
  source: string,
  start: number,
  end: number,
  name: string,
  selfClosing: boolean,
  list: readonly SaxAttribute[],
  at: (offset: number) => number,
): Record<string, string> {
  const attrs: Record<string, string> = {};
  let p = start + 1 + name.length;
  for (const a of list) {
    if (!a.quote) throw new Refusal('bad-format', `attribute "${a.name}" without a quoted value in <${name}>`);
    const nameEnd = at(a.nameEnd);
    const valueStart = at(a.valueStart);
    const valueEnd = at(a.valueEnd);
    const nameStart = nameEnd - a.name.length;
    if (nameStart <= p || !isBlank(source, p, nameStart)) throw new Refusal('bad-format', `missing whitespace between attributes in <${name}>`);
    if (!NAME.test(a.name)) throw new Refusal('bad-format', `invalid attribute name "${a.name}" in <${name}>`);
    if (
      valueStart < 0 ||
      valueEnd < valueStart ||
      valueEnd >= end ||
      source.slice(nameStart, nameEnd) !== a.name ||
      source.charCodeAt(valueStart - 1) !== a.quote ||
      source.charCodeAt(valueEnd) !== a.quote ||
      !isEquals(source, nameEnd, valueStart - 1)
    ) {
      mismatch(`attribute "${a.name}" in <${name}>`);
    }
    const raw = source.slice(valueStart, valueEnd);
    if (raw.indexOf(a.quote === 34 ? '"' : "'") >= 0) mismatch(`attribute "${a.name}" in <${name}>`);
    if (raw.indexOf('<') >= 0) throw new Refusal('bad-format', `"<" in attribute value in <${name}>`);
    if (Object.hasOwn(attrs, a.name)) throw new Refusal('bad-format', `duplicate attribute "${a.name}" in <${name}>`);
    setOwn(attrs, a.name, attributeValue(raw));
    p = valueEnd + 1;
  }
  if (!isBlank(source, p, end - (selfClosing ? 2 : 1))) mismatch(`<${name}>`);
  return attrs;
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
