// Escaping: the exact output, the forbidden-character check, and round trips through both parser backends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { XmlElement } from '../../src/xml/element.js';
import { assertXmlChars, assertXmlName, escapeAttr, escapeText, XmlCharacterError, XmlNameError } from '../../src/xml/escape.js';
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

  // XML 1.0 §2.3 at the edges of its ranges: each name just inside or just outside one
  const NAMES_OK = ['a', '_', 'a1-.', 'a\u00B7', 'a\u0300', 'a\u203F\u2040', '\u00C0', '\u00D6', '\u00D8', '\u00F6', '\u00F8', '\u02FF', '\u0370', '\u037D', '\u037F', '\u200C', '\u200D', '\u2070', '\u218F', '\u2C00', '\u2FEF', '\u3001', '\uD7FF', '\uF900', '\uFDCF', '\uFDF0', '\uFFFD', '\u{10000}', '\u{EFFFF}', 'a\u{10000}', 'p:a', 'é:\u{10000}'];
  const NAMES_REFUSED = ['a\u00D7b', '\u00D7', '\u00F7', 'a\u00F7', '\u037E', 'a\u037E', '\u2000', '\u206F', '\u2190', '\u2FF0', '\u3000', '\uFDD0', '\uFFFE', '\u{F0000}', 'a\u{F0000}', '1a', '-a', '.a', '\u00B7a', '\u0300a', '\u203Fa', '\uD800', 'a\uDC00', 'a:b:c', ':a', 'a:', 'a:1'];

  it('checks names against the exact XML 1.0 NameStartChar and NameChar ranges', () => {
    for (const name of NAMES_OK) expect(assertXmlName(name), JSON.stringify(name)).toBe(name);
    for (const name of NAMES_REFUSED) expect(() => assertXmlName(name), JSON.stringify(name)).toThrow(XmlNameError);
  });

  for (const [backend, factory] of BACKENDS) {
    it(`the ${backend} parser takes the same element, attribute and entity names as XML 1.0`, () => {
      const outcome = (xml: string): string => {
        const r = record(factory, { fragment: true });
        r.parser.write(xml);
        const e = r.events[0];
        return e?.type === 'error' ? e.error.condition : (e?.type ?? 'nothing');
      };
      const declared = (name: string): string => (name.includes(':') ? ` xmlns:${name.split(':')[0]}='urn:p'` : '');
      for (const name of NAMES_OK) {
        expect(outcome(`<${name}${declared(name)}/>`), `<${name}/>`).toBe('element');
        expect(outcome(`<x ${name}='1'${declared(name)}/>`), `attribute ${name}`).toBe('element');
        // a well-formed name of an entity XMPP cannot declare
        expect(outcome(`<x>&${name.replace(':', '')};</x>`), `&${name};`).toBe('restricted-xml');
      }
      for (const name of NAMES_REFUSED) {
        if (name.includes(':')) continue; // namespace rules, checked elsewhere
        expect(outcome(`<${name}/>`), `<${name}/>`).toBe('bad-format');
        expect(outcome(`<x ${name}='1'/>`), `attribute ${name}`).toBe('bad-format');
        if (!/[\uD800-\uDFFF\uFFFE]/.test(name)) expect(outcome(`<x>&${name};</x>`), `&${name};`).toBe('bad-format');
      }
    });
  }
});
