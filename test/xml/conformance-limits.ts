// Conformance, part 4: maxStanzaSize and maxDepth. A stanza over the size limit ends in policy-violation whether
// it arrives whole or trickles in, and the parser never holds much more than the limit meanwhile; one nested
// deeper than the depth limit ends in policy-violation as soon as its element over the limit starts.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_DEPTH, HARD_MAX_DEPTH, type XmlParserFactory, type XmlParserOptions } from '../../src/xml/parser.js';
import { MAX_ROOT_DECLARATIONS } from '../../src/xml/root-declarations.js';
import { type Event, record, summarize } from './support.js';

const ROOT = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
const MAX = 1000;

/** Shapes of oversized stanzas: each is `head + filler * n + tail`. */
const OVERSIZED: { name: string; head: string; filler: string; tail: string }[] = [
  { name: 'a long body', head: "<message to='a@b'><body>", filler: 'lorem ipsum ', tail: '</body></message>' },
  { name: 'a long attribute value', head: "<message id='", filler: 'x1y2z3', tail: "'/>" },
  { name: 'a long CDATA section', head: '<message><body><![CDATA[', filler: 'a]b]c>', tail: ']]></body></message>' },
  { name: 'many small children', head: "<iq type='result'><query xmlns='jabber:iq:roster'>", filler: "<item jid='a@b'/>", tail: '</query></iq>' },
  { name: 'many attributes', head: '<message', filler: " a='1'", tail: '/>' },
  { name: 'a long element name', head: '<m', filler: 'essage', tail: '/>' },
  { name: 'a long end tag', head: '<m></m', filler: '      ', tail: '>' },
  { name: 'non-BMP text', head: '<message><body>', filler: '😀𝄞', tail: '</body></message>' },
];

function oversized(o: (typeof OVERSIZED)[number], length: number): string {
  return o.head + o.filler.repeat(Math.ceil(length / o.filler.length)) + o.tail;
}

/** A stream root declaring the default namespace and `count - 1` prefixes p0, p1, … */
const rootDeclaring = (count: number): string =>
  `<s xmlns='jabber:client'${Array.from({ length: count - 1 }, (_, i) => ` xmlns:p${i}='urn:p${i}'`).join('')}>`;

export function limitSuite(factory: XmlParserFactory): void {
  describe('stream root namespace declarations', () => {
    it(`refuses more than ${MAX_ROOT_DECLARATIONS} with policy-violation, before the stream starts`, () => {
      const r = record(factory);
      r.parser.write(`${rootDeclaring(MAX_ROOT_DECLARATIONS + 1)}<a/>`);
      expect(summarize(r.events)).toEqual(['error policy-violation']);
    });

    it('gives each stanza only the default namespace and the prefixes its tree uses', () => {
      const r = record(factory);
      r.parser.write(`${rootDeclaring(MAX_ROOT_DECLARATIONS)}<a/><p3:x/><a><p5:y p7:z='1'/></a><a xmlns:p1='urn:own'><p1:y/></a>`);
      const stanzas = r.events.flatMap((e) => (e.type === 'element' ? [e.element.toString()] : []));
      expect(stanzas).toEqual([
        '<a xmlns="jabber:client"/>',
        '<p3:x xmlns="jabber:client" xmlns:p3="urn:p3"/>',
        '<a xmlns="jabber:client" xmlns:p5="urn:p5" xmlns:p7="urn:p7"><p5:y p7:z="1"/></a>',
        '<a xmlns:p1="urn:own" xmlns="jabber:client"><p1:y/></a>',
      ]);
    });
  });

  describe('maxStanzaSize', () => {
    for (const o of OVERSIZED) {
      it(`refuses ${o.name} over the limit, arriving whole`, () => {
        for (const fragment of [true, false]) {
          const r = record(factory, { maxStanzaSize: MAX, fragment });
          r.parser.write((fragment ? '' : ROOT) + oversized(o, 3 * MAX));
          expect(summarize(r.events).at(-1)).toBe('error policy-violation');
          expect(summarize(r.events).filter((e) => e.startsWith('error'))).toHaveLength(1);
        }
      });

      it(`refuses ${o.name} trickling in, before much more than the limit has arrived`, () => {
        const r = record(factory, { maxStanzaSize: MAX, fragment: true });
        const input = oversized(o, 50 * MAX);
        let written = 0;
        for (let i = 0; i < input.length && r.events.length === 0; i += 7) {
          r.parser.write(input.slice(i, i + 7));
          written = i + 7;
        }
        expect(summarize(r.events)).toEqual(['error policy-violation']);
        expect(written).toBeLessThanOrEqual(MAX + 7);
      });
    }

    it('refuses an oversized stream header', () => {
      const r = record(factory, { maxStanzaSize: MAX });
      const header = `<stream:stream xmlns='jabber:client' id='${'x'.repeat(2 * MAX)}'>`;
      for (let i = 0; i < header.length && r.events.length === 0; i += 10) r.parser.write(header.slice(i, i + 10));
      expect(summarize(r.events)).toEqual(['error policy-violation']);
    });

    it('accepts a stanza of exactly the limit and refuses one character more, whole or one character at a time', () => {
      const stanza = "<message to='a@b'><body>é😀</body></message>";
      for (const [max, ok] of [
        [stanza.length, true],
        [stanza.length - 1, false],
      ] as const) {
        for (const trickle of [false, true]) {
          const r = record(factory, { maxStanzaSize: max, fragment: true });
          if (trickle) for (const c of stanza) r.parser.write(c);
          else r.parser.write(stanza);
          expect(summarize(r.events).map((e) => e.split(' ')[0]), `max ${max}, trickle ${trickle}`).toEqual([ok ? 'element' : 'error']);
        }
      }
    });

    it('counts each stanza on its own: many stanzas under the limit pass', () => {
      const r = record(factory, { maxStanzaSize: MAX });
      const stanza = `<message><body>${'x'.repeat(MAX - 40)}</body></message>`;
      r.parser.write(ROOT);
      for (let i = 0; i < 20; i++) r.parser.write(`${stanza}\n`);
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['start', ...Array<string>(20).fill('element')]);
    });
  });
}

/** `depth` elements, each the only child of the one before: `<a><a>…<a/>…</a></a>`. */
function nested(depth: number): string {
  return `${'<a>'.repeat(depth - 1)}<a/>${'</a>'.repeat(depth - 1)}`;
}

/** The kind of each event, and the condition of an error (without serializing deep elements). */
function kinds(events: Event[]): string[] {
  return events.map((e) => (e.type === 'error' ? `error ${e.error.condition}` : e.type));
}

/** The events of `input` written whole, or one character at a time. */
function parse(factory: XmlParserFactory, input: string, options: XmlParserOptions, trickle = false): Event[] {
  const r = record(factory, options);
  if (trickle) for (const c of input) r.parser.write(c);
  else r.parser.write(input);
  return r.events;
}

export function depthSuite(factory: XmlParserFactory): void {
  describe('maxDepth', () => {
    it(`accepts elements nested ${DEFAULT_MAX_DEPTH} deep by default and refuses one level more, in a frame or under the stream root (which does not count)`, () => {
      for (const fragment of [true, false]) {
        for (const trickle of [false, true]) {
          const head = fragment ? '' : ROOT;
          const within = `fragment ${fragment}, trickle ${trickle}`;
          expect(kinds(parse(factory, head + nested(DEFAULT_MAX_DEPTH), { fragment }, trickle)), within).toEqual([...(fragment ? [] : ['start']), 'element']);
          expect(kinds(parse(factory, head + nested(DEFAULT_MAX_DEPTH + 1), { fragment }, trickle)), within).toEqual([
            ...(fragment ? [] : ['start']),
            'error policy-violation',
          ]);
        }
      }
    });

    it('refuses as soon as an element over the limit starts, empty or not, long before anything closes', () => {
      for (const tag of ['<d>', '<d/>', "<d xmlns='urn:d' a='1'>"]) {
        for (const fragment of [true, false]) {
          const r = record(factory, { fragment, maxDepth: 3 });
          r.parser.write(`${fragment ? '' : ROOT}<a><b>text<c>`);
          expect(kinds(r.events).filter((e) => e.startsWith('error'))).toEqual([]);
          r.parser.write(tag);
          expect(kinds(r.events).at(-1), `${tag}, fragment ${fragment}`).toBe('error policy-violation');
        }
      }
    });

    it('takes the limit from maxDepth, counts each stanza on its own, and with 1 accepts childless elements only', () => {
      expect(kinds(parse(factory, `${ROOT}${nested(3)}${nested(3)}<x><y/><y/><y/></x>`, { maxDepth: 3 }))).toEqual(['start', 'element', 'element', 'element']);
      expect(kinds(parse(factory, nested(4), { fragment: true, maxDepth: 3 }))).toEqual(['error policy-violation']);
      expect(kinds(parse(factory, "<a x='1'/><a>text</a>", { fragment: true, maxDepth: 1 }))).toEqual(['element', 'element']);
      expect(kinds(parse(factory, '<a><b/></a>', { fragment: true, maxDepth: 1 }))).toEqual(['error policy-violation']);
    });

    it(`lowers a larger maxDepth to ${HARD_MAX_DEPTH}, and the deepest tree it accepts serializes and copies`, () => {
      for (const maxDepth of [HARD_MAX_DEPTH + 1, 1e9, Number.POSITIVE_INFINITY]) {
        const deepest = parse(factory, nested(HARD_MAX_DEPTH), { fragment: true, maxDepth });
        expect(kinds(deepest), `maxDepth ${maxDepth}`).toEqual(['element']);
        expect(kinds(parse(factory, nested(HARD_MAX_DEPTH + 1), { fragment: true, maxDepth })), `maxDepth ${maxDepth}`).toEqual(['error policy-violation']);
        const el = deepest[0]?.type === 'element' ? deepest[0].element : undefined;
        expect(el?.toString()).toBe(nested(HARD_MAX_DEPTH));
        expect(el?.clone().toString()).toBe(nested(HARD_MAX_DEPTH));
      }
    });
  });
}
