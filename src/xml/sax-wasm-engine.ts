// One sax-wasm instance shared by every parser of a factory: takes one whole element, returns its tags,
// attributes and CDATA sections with UTF-8 byte offsets, and leaves the wasm state clean for the next call.
import { type Attribute, type SAXParser, SaxEventType, type Tag, type Text } from 'sax-wasm';
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

/** An attribute as sax-wasm reported it (offsets in bytes from the start of the element). */
export interface SaxAttribute {
  quote: number;
  name: string;
  nameEnd: number;
  valueStart: number;
  valueEnd: number;
}

/** One tokenizer event, copied out of wasm memory while it is valid. */
export type SaxToken =
  | { kind: 'open'; name: string; selfClosing: boolean; end: number; attrs: SaxAttribute[] }
  | { kind: 'close'; selfClosing: boolean; end: number }
  | { kind: 'cdata'; start: number; end: number };

/** The exports of the sax-wasm module. */
export type WasmExports = NonNullable<SAXParser['wasmSaxParser']>;

// AttributeType values (a numeric enum in sax-wasm): only quoted values are XML
const SINGLE_QUOTED = 4;
const DOUBLE_QUOTED = 8;

/** The tokenizer over a prepared `SAXParser`. Not re-entrant: events are only collected, never dispatched. */
export class SaxWasmEngine {
  private tokens: SaxToken[] = [];
  private collecting = false;
  private readonly encoder = new TextEncoder();

  constructor(
    sax: SAXParser,
    private readonly wasm: WasmExports,
  ) {
    sax.eventHandler = (type: SaxEventType, detail: Tag | Text | Attribute | object) => {
      if (this.collecting) this.collect(type, detail);
    };
  }

  /**
   * Tokenizes one complete element. Returns its events and the UTF-8 length of `source`.
   * Refuses with `policy-violation` when the element does not fit the wasm input buffer.
   */
  tokenize(source: string): { tokens: SaxToken[]; bytes: number } {
    const memory = this.wasm.memory;
    if (memory.buffer.byteLength < WRITE_AT + MAX_WRITE) memory.grow(Math.ceil((WRITE_AT + MAX_WRITE - memory.buffer.byteLength) / 65536));
    // a fresh view each time: the wasm memory may have grown (and detached the old buffer) since the last call
    const { read, written } = this.encoder.encodeInto(source, new Uint8Array(memory.buffer, WRITE_AT, MAX_WRITE));
    if (read < source.length) throw new Refusal('policy-violation', `element larger than the ${MAX_WRITE} bytes this parser backend accepts`);
    this.tokens = [];
    this.collecting = true;
    try {
      this.wasm.write(WRITE_AT, written);
    } catch (e) {
      throw new Refusal('bad-format', `the XML tokenizer failed: ${(e as Error).message}`);
    } finally {
      this.collecting = false;
      // resets sax-wasm's offsets and open-tag state (never called from inside an event: that corrupts it)
      this.wasm.end();
    }
    return { tokens: this.tokens, bytes: written };
  }

  private collect(type: number, detail: object): void {
    if (type === SaxEventType.OpenTag) {
      const tag = detail as Tag;
      const attrs: SaxAttribute[] = [];
      for (const a of tag.attributes) {
        const quote = a.type === DOUBLE_QUOTED ? 34 : a.type === SINGLE_QUOTED ? 39 : 0;
        const name = a.name.value;
        // value offsets of an unquoted attribute are meaningless; it is refused anyway
        const value = quote ? a.value.byteOffsets : { start: 0, end: 0 };
        attrs.push({ quote, name, nameEnd: a.name.byteOffsets.end, valueStart: value.start, valueEnd: value.end });
      }
      this.tokens.push({ kind: 'open', name: tag.name, selfClosing: tag.selfClosing, end: tag.byteOffsets.end, attrs });
    } else if (type === SaxEventType.CloseTag) {
      const tag = detail as Tag;
      this.tokens.push({ kind: 'close', selfClosing: tag.selfClosing, end: tag.byteOffsets.end });
    } else if (type === SaxEventType.Cdata) {
      const { start, end } = (detail as Text).byteOffsets;
      this.tokens.push({ kind: 'cdata', start, end });
    }
  }
}
