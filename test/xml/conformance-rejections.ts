// Conformance, part 3: refused input. Each case ends in exactly one onError with the right condition,
// nothing thrown and nothing after it, wherever the input is split.
import { describe, expect, it } from 'vitest';
import type { XmlErrorCondition, XmlParserFactory } from '../../src/xml/parser.js';
import { feed, record, summarize } from './support.js';

const ROOT = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

export interface Rejection {
  name: string;
  input: string;
  condition: XmlErrorCondition;
  fragment?: boolean;
}

/** Single-fault inputs: each holds exactly one reason to refuse it. */
export const REJECTIONS: Rejection[] = [
  { name: 'mismatched closing tag', input: `${ROOT}<message><body>hi</message></body>`, condition: 'bad-format' },
  { name: 'mismatched closing tag (frame)', input: '<message><body>hi</message>', condition: 'bad-format', fragment: true },
  { name: 'closing tag without an opening one', input: `${ROOT}</message>`, condition: 'bad-format' },
  { name: 'mismatched end of the stream root', input: `${ROOT}<r/></stream:strea>`, condition: 'bad-format' },
  { name: 'unterminated attribute value', input: "<message to='a@b><body>hi</body></message><r x='1'/>", condition: 'bad-format', fragment: true },
  { name: 'duplicate attribute', input: `${ROOT}<message id='1' type='chat' id='2'><body/></message>`, condition: 'bad-format' },
  { name: '"<" in an attribute value', input: "<message id='a<b'/>", condition: 'bad-format', fragment: true },
  { name: '"<" inside a tag', input: '<message <body/>', condition: 'bad-format', fragment: true },
  { name: 'unquoted attribute value', input: '<message id=1/>', condition: 'bad-format', fragment: true },
  { name: 'attribute without a value', input: "<message hidden id='1'/>", condition: 'bad-format', fragment: true },
  { name: 'no whitespace between attributes', input: "<message id='1'type='chat'/>", condition: 'bad-format', fragment: true },
  { name: 'invalid element name', input: '<1message/>', condition: 'bad-format', fragment: true },
  { name: 'element name with two colons', input: "<a:b:c xmlns:a='urn:a'/>", condition: 'bad-format', fragment: true },
  { name: 'empty tag name', input: '<message><></message>', condition: 'bad-format', fragment: true },
  { name: 'bare "&" in text', input: '<message><body>fish & chips</body></message>', condition: 'bad-format', fragment: true },
  { name: 'bare "&" before a later ";"', input: '<message><body>a & b;</body></message>', condition: 'bad-format', fragment: true },
  { name: 'bare "&" in an attribute', input: "<message id='a&b'/>", condition: 'bad-format', fragment: true },
  { name: 'unknown entity in text', input: '<message><body>&nbsp;</body></message>', condition: 'restricted-xml', fragment: true },
  { name: 'unknown entity in an attribute', input: "<message id='&copy;'/>", condition: 'restricted-xml', fragment: true },
  { name: 'entity named like an Object property', input: '<message><body>&constructor;</body></message>', condition: 'restricted-xml', fragment: true },
  { name: 'character reference to NUL', input: '<message><body>&#0;</body></message>', condition: 'bad-format', fragment: true },
  { name: 'character reference to a surrogate', input: '<message><body>&#xD800;</body></message>', condition: 'bad-format', fragment: true },
  { name: 'character reference beyond Unicode', input: "<message id='&#x110000;'/>", condition: 'bad-format', fragment: true },
  { name: 'malformed character reference', input: '<message><body>&#x;&#12a;</body></message>', condition: 'bad-format', fragment: true },
  { name: 'DOCTYPE before the stream', input: `<?xml version='1.0'?><!DOCTYPE stream>${ROOT}`, condition: 'restricted-xml' },
  { name: 'DOCTYPE in a stanza', input: '<message><!DOCTYPE x></message>', condition: 'restricted-xml', fragment: true },
  { name: 'entity declaration', input: `${ROOT}<!ENTITY lol 'lol'>`, condition: 'restricted-xml' },
  { name: 'other markup declaration', input: '<message><!ELEMENT x ANY></message>', condition: 'bad-format', fragment: true },
  { name: 'comment in a stanza', input: `${ROOT}<message><!-- hi --></message>`, condition: 'restricted-xml' },
  { name: 'comment between stanzas', input: `${ROOT}<r/><!-- keepalive -->`, condition: 'restricted-xml' },
  { name: 'comment before the stream', input: `<!-- hi -->${ROOT}`, condition: 'restricted-xml' },
  { name: 'processing instruction in a stanza', input: '<message><?php echo 1 ?></message>', condition: 'restricted-xml', fragment: true },
  { name: 'stylesheet PI before the stream', input: `<?xml-stylesheet href='a.xsl'?>${ROOT}`, condition: 'restricted-xml' },
  { name: 'XML declaration inside the stream', input: `${ROOT}<r/><?xml version='1.0'?>`, condition: 'restricted-xml' },
  { name: 'undeclared element prefix', input: `${ROOT}<message><foo:bar/></message>`, condition: 'bad-format' },
  { name: 'undeclared attribute prefix', input: "<message xmlns='jabber:client' foo:id='1'/>", condition: 'bad-format', fragment: true },
  { name: 'prefix declared on a sibling only', input: "<message><a:x xmlns:a='urn:a'/><a:y/></message>", condition: 'bad-format', fragment: true },
  { name: 'prefix declared on a closed element only', input: "<message><a xmlns:p='urn:p'></a><p:b/></message>", condition: 'bad-format', fragment: true },
  {
    name: 'attribute prefix used after its declaring element closed',
    input: "<message><a xmlns:p='urn:p'><b p:x='1'/></a><c p:y='2'/></message>",
    condition: 'bad-format',
    fragment: true,
  },
  { name: 'prefix declared by a previous stanza only', input: `${ROOT}<r xmlns:p='urn:p'><p:a/></r><p:b/>`, condition: 'bad-format' },
  { name: 'prefix declared empty', input: "<message xmlns:a=''/>", condition: 'bad-format', fragment: true },
  { name: 'xmlns prefix declared', input: "<message xmlns:xmlns='urn:x'/>", condition: 'bad-format', fragment: true },
  { name: 'element with the xmlns prefix', input: "<xmlns:message xmlns:a='urn:a'/>", condition: 'bad-format', fragment: true },
  { name: 'control character U+0001', input: '<message><body>a\u0001b</body></message>', condition: 'bad-format', fragment: true },
  { name: 'NUL character', input: "<message id='\u0000'/>", condition: 'bad-format', fragment: true },
  { name: 'U+FFFE', input: '<message><body>\uFFFE</body></message>', condition: 'bad-format', fragment: true },
  { name: 'lone high surrogate', input: '<message><body>a\uD83Db</body></message>', condition: 'bad-format', fragment: true },
  { name: 'lone low surrogate', input: '<message><body>a\uDE00b</body></message>', condition: 'bad-format', fragment: true },
  { name: 'control character after a complete stanza', input: '<r/><message>\u0002</message>', condition: 'bad-format', fragment: true },
  { name: 'non-XML whitespace in an end tag', input: '<message></message\u00A0>', condition: 'bad-format', fragment: true },
  { name: 'text before any element', input: 'hello<message/>', condition: 'bad-format', fragment: true },
  { name: 'text between frames', input: '<r/>x<r/>', condition: 'bad-format', fragment: true },
  { name: 'text between stanzas', input: `${ROOT}<r/> junk <r/>`, condition: 'bad-format' },
  { name: 'text before the stream', input: `junk${ROOT}`, condition: 'bad-format' },
  { name: 'CDATA outside any element', input: `${ROOT}<![CDATA[x]]>`, condition: 'bad-format' },
  { name: 'element after the end of the stream', input: `${ROOT}</stream:stream><message/>`, condition: 'bad-format' },
  { name: 'text after the end of the stream', input: `${ROOT}</stream:stream>bye`, condition: 'bad-format' },
];

const utf8 = new TextEncoder();

function check(factory: XmlParserFactory, c: Rejection, input: string | Uint8Array, cuts: number[]): string[] {
  const r = record(factory, { fragment: c.fragment ?? false });
  expect(() => feed(r.parser, input, cuts)).not.toThrow();
  const events = summarize(r.events);
  const errors = events.filter((e) => e.startsWith('error'));
  expect(errors, `${c.name}, cuts ${cuts}`).toEqual([`error ${c.condition}`]);
  expect(events.at(-1), c.name).toBe(`error ${c.condition}`);
  // nothing more once refused
  r.parser.write(c.fragment ? '<r/>' : '<r/></stream:stream>');
  expect(summarize(r.events), c.name).toEqual(events);
  return events;
}

export function rejectionSuite(factory: XmlParserFactory): void {
  describe('rejections', () => {
    for (const c of REJECTIONS) {
      it(`${c.name} → ${c.condition}, wherever the input is split`, () => {
        const whole = check(factory, c, c.input, []);
        for (let i = 1; i < c.input.length; i++) expect(check(factory, c, c.input, [i])).toEqual(whole);
        const cuts = Array.from({ length: c.input.length - 1 }, (_, i) => i + 1);
        expect(check(factory, c, c.input, cuts)).toEqual(whole);
        if (!/[\uD800-\uDFFF]/.test(c.input)) expect(check(factory, c, utf8.encode(c.input), [])).toEqual(whole);
      });
    }

    it('refuses bytes that are not UTF-8 (invalid byte, overlong form, encoded surrogate)', () => {
      const c: Rejection = { name: 'invalid UTF-8', input: '', condition: 'bad-format', fragment: true };
      for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80]]) {
        const bytes = new Uint8Array([...utf8.encode('<message><body>'), ...bad, ...utf8.encode('</body></message>')]);
        check(factory, c, bytes, []);
        check(factory, c, bytes, [16]);
      }
    });

    it('accepts what looks close to a fault: Object-property attribute names, "]]" in text, "&amp;;"', () => {
      const r = record(factory, { fragment: true });
      r.parser.write("<message constructor='1' toString='2' __proto__='3'><body>]] &amp;; a&gt;b</body></message>");
      expect(summarize(r.events)).toEqual([
        'element <message constructor="1" toString="2" __proto__="3"><body>]] &amp;; a&gt;b</body></message> [null,null]',
      ]);
      const el = r.events[0]?.type === 'element' ? r.events[0].element : undefined;
      expect(el?.getAttribute('__proto__')).toBe('3');
      expect(Object.getPrototypeOf(el?.attrs)).toBe(Object.prototype);
    });

    it('keeps a prefix in scope while any open element declares it, and only then', () => {
      const frames = [
        // redeclared inside: the outer declaration holds again once the inner element closes
        "<m xmlns:p='urn:1'><a xmlns:p='urn:2'><p:x/></a><p:y/></m>",
        // declared after its use on the same element
        "<p:m p:a='1' xmlns:p='urn:1'><p:x/></p:m>",
        // declared far up, used far down
        `<m xmlns:p='urn:1'>${'<a>'.repeat(100)}<p:x p:b='2'/>${'</a>'.repeat(100)}</m>`,
      ];
      const r = record(factory, { fragment: true });
      for (const frame of frames) r.parser.write(frame);
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['element', 'element', 'element']);
      const first = r.events[0]?.type === 'element' ? r.events[0].element : undefined;
      expect(first?.getChild('a')?.getChild('x')?.getNS()).toBe('urn:2');
      expect(first?.getChild('y')?.getNS()).toBe('urn:1');

      // the stream root's declarations hold for every stanza, whatever an earlier one declared
      const s = record(factory);
      s.parser.write(`${ROOT}<r xmlns:stream='urn:other'><stream:a/></r><stream:features/>`);
      expect(summarize(s.events).map((e) => e.split(' ')[0])).toEqual(['start', 'element', 'element']);
      const features = s.events[2]?.type === 'element' ? s.events[2].element : undefined;
      expect(features?.getNS()).toBe('http://etherx.jabber.org/streams');
    });
  });
}
