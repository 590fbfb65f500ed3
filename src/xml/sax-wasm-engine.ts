// One sax-wasm instance shared by every parser of a factory: takes one whole element, returns its tags,
// attributes and CDATA sections with UTF-8 byte offsets, and leaves the wasm state clean for the next call.
import { Attribute, readU32, SAXParser, SaxEventType, type Tag, type Text } from 'sax-wasm';
import { Refusal } from './sax-wasm-rules.js';

/** The events the backend needs; text is read from the source between tags, so none of sax-wasm's text. */
export const SAX_EVENTS = SaxEventType.OpenTag | SaxEventType.CloseTag | SaxEventType.Cdata;

/** Where elements are copied into wasm memory: where `SAXParser.write` puts them too. */
const WRITE_AT = 4;
/**
 * Largest element handed to sax-wasm, in UTF-8 bytes. The input buffer overlaps the bottom of the wasm
 * stack (1 MiB, growing down), so a write close to 1 MiB corrupts the parser and a larger one traps.
 */
export const MAX_WRITE = 1024 * 1024 - 64 * 1024;

/** Kinds of markup, shared by the scan's marks and the engine's tokens. */
export const MARK_OPEN = 0;
export const MARK_SELF = 1; // an empty-element tag
export const MARK_CLOSE = 2;
export const MARK_CDATA = 3;

/** Numbers per token in {@link SaxTokens.tokens}: kind, then (end, attribute count) or (start, end) for CDATA. */
export const TOKEN_SIZE = 3;
/** Numbers per attribute in {@link SaxTokens.attributes}: quote (0 when unquoted), name start and end, value start and end. */
export const ATTRIBUTE_SIZE = 5;

/**
 * One element's events, copied out of wasm memory while they are valid, as flat numbers (offsets in bytes
 * from the start of the element); the close events of empty-element tags are left out. Reused by every call.
 */
export interface SaxTokens {
  readonly tokens: number[];
  /** The names of the start tags, in order. */
  readonly tagNames: string[];
  readonly attributes: number[];
  /**
   * sax-wasm's own reading of each attribute name where its name start cannot be used (undefined elsewhere:
   * the name is the source between its offsets). That start is off when the name begins with a non-ASCII character.
   */
  readonly attributeNames: (string | undefined)[];
}

/** The exports of the sax-wasm module. */
export type WasmExports = NonNullable<SAXParser['wasmSaxParser']>;

// AttributeType values (a numeric enum in sax-wasm): only quoted values are XML
const SINGLE_QUOTED = 4;
const DOUBLE_QUOTED = 8;
// Where a start tag's event data holds the address and the number of its attribute records (as Tag.attributes reads them)
const TAG_ATTRIBUTES_AT = 16;
const TAG_ATTRIBUTE_COUNT = 20;

/**
 * What sax-wasm decodes names with while the engine collects (tag names, and the attribute names read back):
 * a TextDecoder call costs a browser far more than a short ASCII string made here, and names repeat, so recent
 * ones are handed out again. Same strings as TextDecoder: anything else still goes to it.
 */
class NameDecoder extends TextDecoder {
  private readonly recent: (string | undefined)[] = new Array(256).fill(undefined);

  override decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string {
    if (options !== undefined || !(input instanceof Uint8Array) || input.length > 64) return super.decode(input, options);
    const length = input.length;
    let hash = length;
    for (let i = 0; i < length; i++) {
      const c = input[i] as number;
      if (c >= 0x80) return super.decode(input);
      hash = (hash * 31 + c) | 0;
    }
    const slot = hash & 255;
    const known = this.recent[slot];
    if (known !== undefined && known.length === length && isAsciiOf(known, input)) return known;
    let s = '';
    for (let i = 0; i < length; i++) s += String.fromCharCode(input[i] as number);
    this.recent[slot] = s;
    return s;
  }
}

/** True when `s` is the ASCII text `bytes`, character for byte. */
function isAsciiOf(s: string, bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (s.charCodeAt(i) !== bytes[i]) return false;
  return true;
}

/** The tokenizer over a prepared `SAXParser`. Not re-entrant: events are only collected, never dispatched. */
export class SaxWasmEngine {
  private readonly out: SaxTokens = { tokens: [], tagNames: [], attributes: [], attributeNames: [] };
  private collecting = false;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new NameDecoder();
  /** The element being tokenized, as written into wasm memory (empty once detached by a memory growth). */
  private input = new Uint8Array(0);

  constructor(
    sax: SAXParser,
    private readonly wasm: WasmExports,
  ) {
    sax.eventHandler = (type: SaxEventType, detail: Tag | Text | Attribute | object) => {
      if (this.collecting) this.collect(type, detail);
    };
  }

  /**
   * Tokenizes one complete element. Returns its events (valid until the next call) and the UTF-8 length of
   * `source`. Refuses with `policy-violation` when the element does not fit the wasm input buffer.
   */
  tokenize(source: string): { tokens: SaxTokens; bytes: number } {
    const memory = this.wasm.memory;
    if (memory.buffer.byteLength < WRITE_AT + MAX_WRITE) memory.grow(Math.ceil((WRITE_AT + MAX_WRITE - memory.buffer.byteLength) / 65536));
    // a fresh view each time: the wasm memory may have grown (and detached the old buffer) since the last call
    this.input = new Uint8Array(memory.buffer, WRITE_AT, MAX_WRITE);
    const { read, written } = this.encoder.encodeInto(source, this.input);
    if (read < source.length) throw new Refusal('policy-violation', `element larger than the ${MAX_WRITE} bytes this parser backend accepts`);
    const out = this.out;
    out.tokens.length = 0;
    out.tagNames.length = 0;
    out.attributes.length = 0;
    out.attributeNames.length = 0;
    this.collecting = true;
    // only for this call: other users of sax-wasm keep their decoder
    const decoder = SAXParser.textDecoder;
    SAXParser.textDecoder = this.decoder;
    try {
      this.wasm.write(WRITE_AT, written);
    } catch (e) {
      throw new Refusal('bad-format', `the XML tokenizer failed: ${(e as Error).message}`);
    } finally {
      SAXParser.textDecoder = decoder;
      this.collecting = false;
      // resets sax-wasm's offsets and open-tag state (never called from inside an event: that corrupts it)
      this.wasm.end();
    }
    return { tokens: out, bytes: written };
  }

  private collect(type: number, detail: object): void {
    const out = this.out;
    if (type === SaxEventType.OpenTag) {
      const tag = detail as Tag;
      const data = (tag as unknown as { data: Uint8Array }).data;
      const count = readU32(data, TAG_ATTRIBUTE_COUNT);
      // one attribute at a time, each dropped once read: `tag.attributes` makes objects for all of them together,
      // and with very many the garbage collector then takes a time that grows faster than their number
      for (let i = 0, at = readU32(data, TAG_ATTRIBUTES_AT); i < count; i++, at += Attribute.LENGTH) {
        const a = new Attribute(new Uint8Array(data.buffer, at, Attribute.LENGTH), this.wasm.memory);
        const quote = a.type === DOUBLE_QUOTED ? 34 : a.type === SINGLE_QUOTED ? 39 : 0;
        const name = a.name.byteOffsets;
        // sax-wasm's name start holds when the name begins with an ASCII character: its offsets and the source give the name
        out.attributeNames.push((this.input[name.start] ?? 0x80) < 0x80 ? undefined : a.name.value);
        // value offsets of an unquoted attribute are meaningless (it is refused anyway): the name end keeps them in order
        const value = quote ? a.value.byteOffsets : { start: name.end, end: name.end };
        out.attributes.push(quote, name.start, name.end, value.start, value.end);
      }
      out.tagNames.push(tag.name);
      out.tokens.push(tag.selfClosing ? MARK_SELF : MARK_OPEN, tag.byteOffsets.end, count);
    } else if (type === SaxEventType.CloseTag) {
      const tag = detail as Tag;
      // an empty-element tag's open event already did the work
      if (!tag.selfClosing) out.tokens.push(MARK_CLOSE, tag.byteOffsets.end, 0);
    } else if (type === SaxEventType.Cdata) {
      const { start, end } = (detail as Text).byteOffsets;
      out.tokens.push(MARK_CDATA, start, end);
    }
  }
}
