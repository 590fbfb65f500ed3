// The sax-wasm backend: the shared conformance suite, plus loading, the shared wasm instance, and the
// sax-wasm behaviours it works around (dropped newlines, split tokens, end tags, large writes).
import { readFileSync } from 'node:fs';
import { SAXParser } from 'sax-wasm';
import { describe, expect, it } from 'vitest';
import { MAX_WRITE } from '../../src/xml/sax-wasm-engine.js';
import { saxWasmParser } from '../../src/xml/sax-wasm-parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { runConformance } from './conformance.js';
import { record, summarize } from './support.js';

const WASM = readFileSync(new URL('../../node_modules/sax-wasm/lib/sax-wasm.wasm', import.meta.url));
const factory = await saxWasmParser(WASM);

runConformance('sax-wasm parser', factory);

function elements(f: typeof factory, input: string, max?: number): string[] {
  const r = record(f, { fragment: true, maxStanzaSize: max });
  r.parser.write(input);
  return summarize(r.events, true);
}

const PING = "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>";
const PING_EVENTS = elements(createStreamParser, PING);

describe('sax-wasm backend', () => {
  describe('loading', () => {
    it('accepts a view into a larger buffer, an ArrayBuffer and fetch responses', async () => {
      const padded = new Uint8Array(WASM.length + 13);
      padded.set(WASM, 7);
      const sources = [
        padded.subarray(7, 7 + WASM.length),
        new Uint8Array(WASM).buffer,
        new Response(new Uint8Array(WASM), { headers: { 'content-type': 'application/wasm' } }),
        Promise.resolve(new Response(new Uint8Array(WASM), { headers: { 'content-type': 'application/octet-stream' } })),
      ];
      for (const source of sources) expect(elements(await saxWasmParser(source), PING)).toEqual(PING_EVENTS);
    });

    it('rejects a failed download, bytes that are not wasm, and wasm that is not sax-wasm', async () => {
      await expect(saxWasmParser(Promise.resolve(new Response('nope', { status: 404 })))).rejects.toThrow(/HTTP 404/);
      await expect(saxWasmParser(new Uint8Array([1, 2, 3]))).rejects.toThrow(WebAssembly.CompileError);
      const emptyModule = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
      await expect(saxWasmParser(emptyModule)).rejects.toThrow(/not a sax-wasm binary/);
    });
  });

  describe('one wasm instance for all parsers of a factory', () => {
    it('keeps interleaved parsers apart', () => {
      const a = record(factory, { fragment: true });
      const b = record(factory);
      const message = "<message to='a@b'><body>one\ntwo</body></message>";
      a.parser.write(message.slice(0, 20));
      b.parser.write("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><r xmlns='urn:xmpp:sm:3'/>");
      a.parser.write(message.slice(20, 35));
      b.parser.write("<a xmlns='urn:xmpp:sm:3' h='1'/>");
      a.parser.write(message.slice(35));
      expect(summarize(a.events, true)).toEqual(elements(createStreamParser, message));
      expect(summarize(b.events).map((e) => e.split(' ').slice(0, 2).join(' '))).toEqual(['start stream:stream', 'element <r', 'element <a']);
    });

    it('stays clean after a refused element', () => {
      for (const bad of ['<a><b></a>', "<a x='1' x='2'><b>", "<a b=1><c></c></a>", '<a><b/ ></a>', "<a b='1'c='2'></a>"]) {
        const r = record(factory, { fragment: true });
        r.parser.write(bad);
        expect(elements(factory, PING), bad).toEqual(PING_EVENTS);
      }
    });
  });

  describe('sax-wasm behaviours it works around', () => {
    it('keeps newlines and whitespace-only text, which sax-wasm drops from its text events', () => {
      const xml = "<message>\n  <body>a\nb\n\n c</body>\n\t<x xmlns='urn:x'>\r\n</x>\n</message>";
      expect(elements(factory, xml)).toEqual(elements(createStreamParser, xml));
    });

    it('reads end tags with a line break or tab before ">", which sax-wasm does not close', () => {
      const xml = "<message><body>x</body\n><x xmlns='urn:x'></x\t></message\r\n>";
      expect(elements(factory, xml)).toEqual(elements(createStreamParser, xml));
    });

    it('reads non-ASCII names, whose start offsets sax-wasm reports one byte late', () => {
      const xml = "<é:ü xmlns:é='urn:é' é:à='1'><ß>ẞ</ß><名前 属性='値'/></é:ü>";
      expect(elements(factory, xml)).toEqual(elements(createStreamParser, xml));
    });

    it('reads attribute names from the source where sax-wasm\'s offsets hold, and decodes those starting with a non-ASCII character', () => {
      const xml =
        "<m é='1' to='a' ключ=\"2\" a-long-attribute-name='3'><x to='b' é='4' 名前='5' a-long-attribute-name='6'/>" +
        "<y ab='7' ba='8' b\u00B7a='9' xmlns:p='urn:p' p:q='10'/></m>";
      for (let round = 0; round < 2; round++) expect(elements(factory, xml)).toEqual(elements(createStreamParser, xml));
    });

    it('maps byte offsets across runs of multi-byte characters, in text, values and CDATA', () => {
      const xml =
        "<m a='日本語 👍🎉 x' b='é'>привет 👍 ok <![CDATA[テスト🎉]]> ß<x c='\u07FF\u0800\uFFEF' d='\u{10000}'>ẞ</x>z</m>";
      expect(elements(factory, xml)).toEqual(elements(createStreamParser, xml));
      for (const bad of ["<m a='👍'>\uD83D</m>", "<m>👍\uDE00</m>", "<m a='x\uD83D\uD83D\uDC4D'/>", '<m>👍\u0001</m>']) {
        expect(elements(factory, bad), bad).toEqual(elements(createStreamParser, bad));
      }
    });

    it('gives sax-wasm its own name decoder back after every element, refused ones included', () => {
      const own = SAXParser.textDecoder;
      for (const xml of [PING, "<a é='1' b='2'/>", "<a b=1><c></c></a>", '<a><b></a>']) {
        elements(factory, xml);
        expect(SAXParser.textDecoder).toBe(own);
      }
    });

    it('never hands sax-wasm a split token, however the input is chunked', () => {
      const xml = "<message id='a>b'><body>x &amp; y<![CDATA[<z>]]></body></message>";
      const expected = elements(createStreamParser, xml);
      for (let i = 1; i < xml.length; i++) {
        const r = record(factory, { fragment: true });
        r.parser.write(xml.slice(0, i));
        r.parser.write(xml.slice(i));
        expect(summarize(r.events, true), `cut at ${i}`).toEqual(expected);
      }
    });

    it(`tokenizes an element just under ${MAX_WRITE} bytes and refuses a bigger one, without trapping`, () => {
      const near = `<m>${'x'.repeat(MAX_WRITE - 8)}</m>`;
      expect(near.length).toBe(MAX_WRITE - 1);
      expect(elements(factory, near, 2 * MAX_WRITE)).toEqual(elements(createStreamParser, near, 2 * MAX_WRITE));
      // under the character limit, over the byte limit: three bytes per character
      const wide = `<m>${'€'.repeat(MAX_WRITE / 2)}</m>`;
      expect(elements(factory, wide, 2 * MAX_WRITE)).toEqual(['error policy-violation']);
      const huge = `<m>${'x'.repeat(1.5 * 1024 * 1024)}</m>`;
      expect(elements(factory, huge, 4 * 1024 * 1024)).toEqual(['error policy-violation']);
      expect(elements(factory, PING)).toEqual(PING_EVENTS);
    });
  });

  it('takes data written from inside a handler after the current chunk, in order', () => {
    const seen: string[] = [];
    const parser = factory(
      {
        onStreamStart: () => {},
        onStreamEnd: () => {},
        onError: (e) => seen.push(`error ${e.condition}`),
        onElement: (el) => {
          seen.push(el.name);
          if (el.name === 'a') parser.write('<c/>');
        },
      },
      { fragment: true },
    );
    parser.write('<a/><b/>');
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});
