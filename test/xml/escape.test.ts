// Escaping: the exact output, the forbidden-character check, and round trips through both parser backends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XmlElement } from '../../src/xml/element.js';
import { assertXmlChars, escapeAttr, escapeText, XmlCharacterError } from '../../src/xml/escape.js';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import { saxWasmParser } from '../../src/xml/sax-wasm-parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { prng, record } from './support.js';

const WASM = readFileSync(new URL('../../node_modules/sax-wasm/lib/sax-wasm.wasm', import.meta.url));
const BACKENDS: [string, XmlParserFactory][] = [
  ['default', createStreamParser],
  ['sax-wasm', await saxWasmParser(WASM)],
];

function reparse(factory: XmlParserFactory, el: XmlElement): XmlElement {
  const r = record(factory, { fragment: true });
  r.parser.write(el.toString());
  const e = r.events[0];
  if (e?.type !== 'element') throw new Error(`refused ${el.toString()}: ${e?.type === 'error' ? e.error.message : ''}`);
  return e.element;
}

/** Random strings of characters XML allows, heavy on the ones that need escaping. */
function randomValue(random: () => number): string {
  const specials = ['&', '<', '>', '"', "'", '\t', '\n', '\r', '\r\n', ']]>', '&amp;', '😀', '𝄞', 'é', ' '];
  let out = '';
  for (let i = Math.floor(random() * 20); i > 0; i--) {
    const r = random();
    if (r < 0.5) out += specials[Math.floor(random() * specials.length)];
    else if (r < 0.8) out += String.fromCharCode(0x20 + Math.floor(random() * 0x5f));
    else out += String.fromCodePoint(0x10000 + Math.floor(random() * 0xfffff));
  }
  return out;
}

describe('escaping', () => {
  it('escapes text: &, <, > and CR', () => {
    expect(escapeText(`a&b<c>d"e'f`)).toBe(`a&amp;b&lt;c&gt;d"e'f`);
    expect(escapeText('line\r\nnext\ttab')).toBe('line&#13;\nnext\ttab');
    expect(escapeText('plain 😀')).toBe('plain 😀');
  });

  it('escapes attribute values: &, <, >, quotes, tab, LF and CR', () => {
    expect(escapeAttr(`a&b<c>d"e'f`)).toBe('a&amp;b&lt;c&gt;d&quot;e&apos;f');
    expect(escapeAttr('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
    expect(escapeAttr('')).toBe('');
  });

  it('checks for characters XML 1.0 forbids', () => {
    for (const bad of ['\u0000', '\u0001', '\u0008', '\u000B', '\u001F', '\uFFFE', '\uFFFF', 'a\uD800', '\uDC00b', '\uDBFF\uDBFF']) {
      expect(() => assertXmlChars(bad), JSON.stringify(bad)).toThrow(XmlCharacterError);
    }
    expect(() => assertXmlChars('ok\u0009\u000A\u000D\uD7FF\uE000\uFFFD😀')).not.toThrow();
    expect(() => assertXmlChars('abc\u0002')).toThrow('U+0002 at 3 is not an XML character');
  });

  for (const [name, factory] of BACKENDS) {
    it(`round-trips text and attribute values through the ${name} parser`, () => {
      const random = prng(106);
      for (let i = 0; i < 500; i++) {
        const value = randomValue(random);
        const text = randomValue(random);
        const el = new XmlElement('x', { v: value, 'xml:lang': 'en' }, [new XmlElement('y', {}, text ? [text] : [])]);
        const back = reparse(factory, el);
        expect(back.getAttribute('v'), JSON.stringify(value)).toBe(value);
        expect(back.getChildText('y'), JSON.stringify(text)).toBe(text);
        expect(back.toString()).toBe(el.toString());
      }
    });
  }
});
