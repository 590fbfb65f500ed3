// Conformance, part 1: the real-stanza corpus in stream mode, whole and split at every point, as strings
// and as UTF-8 bytes cut inside characters.
import { describe, expect, it } from 'vitest';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import {
  KEEPALIVES,
  NS_CLIENT,
  NS_STREAM,
  SMALL_STREAM,
  SMALL_STREAM_ELEMENTS,
  STANZAS,
  STREAM,
  STREAM_OPEN,
  STREAM_OPEN_ATTRS,
} from '../fixtures/stanzas.js';
import { feed, namespaces, prng, randomCuts, record, summarize, withRootDecls } from './support.js';

const ROOT_DECLS: [string, string][] = [
  ['xmlns', NS_CLIENT],
  ['xmlns:stream', NS_STREAM],
];
const utf8 = new TextEncoder();

/** Parses `input` cut at `cuts` and returns the detailed event summary. */
function run(factory: XmlParserFactory, input: string | Uint8Array, cuts: number[] = []): string[] {
  const r = record(factory);
  feed(r.parser, input, cuts);
  return summarize(r.events, true);
}

export function corpusSuite(factory: XmlParserFactory): void {
  describe('stream corpus', () => {
    it('emits the stream start, every stanza as expected, and the stream end', () => {
      const r = record(factory);
      r.parser.write(STREAM);
      const [start, ...rest] = r.events;
      expect(start).toEqual({ type: 'start', name: 'stream:stream', attrs: STREAM_OPEN_ATTRS });
      expect(rest.at(-1)).toEqual({ type: 'end' });
      const elements = rest.slice(0, -1).map((e) => (e.type === 'element' ? e.element : undefined));
      expect(elements.map((e) => e?.toString())).toEqual(STANZAS.map((s) => withRootDecls(s.expected, ROOT_DECLS)));
      STANZAS.forEach((s, i) => {
        const el = elements[i];
        if (s.ns && el) expect(namespaces(el), s.name).toEqual(s.ns);
        expect(el?.parent, s.name).toBeUndefined();
      });
    });

    it('is idle between stanzas and after the stream end, not inside a stanza', () => {
      const r = record(factory);
      r.parser.write(STREAM_OPEN);
      expect(r.parser.idle).toBe(true);
      const stanza = STANZAS[7]?.xml ?? '';
      r.parser.write(stanza.slice(0, 40));
      expect(r.parser.idle).toBe(false);
      r.parser.write(`${stanza.slice(40)}\n `);
      expect(r.parser.idle).toBe(true);
      r.parser.write('</stream:stream>');
      expect(r.parser.idle).toBe(true);
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['start', 'element', 'end']);
    });

    it('gives the same trees for the small stream split at every point', () => {
      const whole = run(factory, SMALL_STREAM);
      const r = record(factory);
      r.parser.write(SMALL_STREAM);
      expect(r.events.flatMap((e) => (e.type === 'element' ? [e.element.toString()] : []))).toEqual(SMALL_STREAM_ELEMENTS);
      for (let i = 1; i < SMALL_STREAM.length; i++) expect(run(factory, SMALL_STREAM, [i]), `cut at ${i}`).toEqual(whole);
    });

    it('gives the same trees for the small stream written one character at a time', () => {
      const cuts = Array.from({ length: SMALL_STREAM.length - 1 }, (_, i) => i + 1);
      expect(run(factory, SMALL_STREAM, cuts)).toEqual(run(factory, SMALL_STREAM));
    });

    it('gives the same trees for the small stream in 2 to 6 random pieces', () => {
      const whole = run(factory, SMALL_STREAM);
      const random = prng(0x5eed);
      for (let n = 0; n < 400; n++) {
        const cuts = randomCuts(random, SMALL_STREAM.length, 1 + (n % 5));
        expect(run(factory, SMALL_STREAM, cuts), `cuts ${cuts}`).toEqual(whole);
      }
    });

    it('gives the same trees for the small stream as UTF-8 bytes cut at every byte, mid-character too', () => {
      const bytes = utf8.encode(SMALL_STREAM);
      const whole = run(factory, SMALL_STREAM);
      expect(run(factory, bytes)).toEqual(whole);
      for (let i = 1; i < bytes.length; i++) expect(run(factory, bytes, [i]), `byte cut at ${i}`).toEqual(whole);
      const everyByte = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
      expect(run(factory, bytes, everyByte)).toEqual(whole);
    });

    it('gives the same trees for the corpus split at every point inside the hardest stanzas', () => {
      const whole = run(factory, STREAM);
      const hard = ['groupchat', 'OMEMO', 'non-BMP', 'roster', 'vcard', 'prefixed', "'>'", 'CDATA'];
      for (const s of STANZAS.filter((s) => hard.some((h) => s.name.includes(h)))) {
        const at = STREAM.indexOf(s.xml);
        for (let i = at; i <= at + s.xml.length; i++) expect(run(factory, STREAM, [i]), `${s.name}: cut at ${i}`).toEqual(whole);
      }
    });

    it('gives the same trees for the whole corpus in many random pieces, as strings and as bytes', () => {
      const whole = run(factory, STREAM);
      const bytes = utf8.encode(STREAM);
      const random = prng(20240607);
      for (let n = 0; n < 150; n++) {
        const pieces = [2, 10, 100, 1000][n % 4] as number;
        expect(run(factory, STREAM, randomCuts(random, STREAM.length, pieces)), `string run ${n}`).toEqual(whole);
        expect(run(factory, bytes, randomCuts(random, bytes.length, pieces)), `byte run ${n}`).toEqual(whole);
      }
      const everyChar = Array.from({ length: STREAM.length - 1 }, (_, i) => i + 1);
      expect(run(factory, STREAM, everyChar)).toEqual(whole);
    });

    it('drops whitespace keepalives of any length between stanzas without buffering them', () => {
      const r = record(factory, { maxStanzaSize: 100 });
      r.parser.write(STREAM_OPEN);
      for (let i = 0; i < 500; i++) r.parser.write(KEEPALIVES[i % KEEPALIVES.length] as string);
      r.parser.write("<r xmlns='urn:xmpp:sm:3'/>");
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['start', 'element']);
      expect(r.parser.idle).toBe(true);
    });

    it('ends a stream whose root is an empty tag, and restarts after reset()', () => {
      const r = record(factory);
      r.parser.write("<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>");
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['start', 'end']);
      r.parser.reset();
      r.events.length = 0;
      r.parser.write(`${STREAM_OPEN}<r xmlns='urn:xmpp:sm:3'/>`);
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['start', 'element']);
    });

    it('drops the rest of a chunk when a handler resets the parser (stream restart after SASL)', () => {
      const seen: string[] = [];
      const parser = factory({
        onStreamStart: (name) => seen.push(`start ${name}`),
        onElement: (el) => {
          seen.push(el.name);
          if (el.name === 'success') parser.reset();
        },
        onStreamEnd: () => seen.push('end'),
        onError: (e) => seen.push(`error ${e.condition}`),
      });
      parser.write(`${STREAM_OPEN}<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><ignored/>`);
      parser.write(`${STREAM_OPEN}<stream:features/>`);
      expect(seen).toEqual(['start stream:stream', 'success', 'start stream:stream', 'stream:features']);
    });
  });
}
