// Conformance, part 2: fragment mode (RFC 7395 WebSocket frames): whole elements, no stream root, `idle`.
import { describe, expect, it } from 'vitest';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import { NS_CLIENT, NS_STREAM, STANZAS } from '../fixtures/stanzas.js';
import { asFrame, feed, namespaces, prng, randomCuts, record, summarize } from './support.js';

const OPEN = "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0' xml:lang='en'/>";
const CLOSE = "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";

function declsFor(xml: string): [string, string][] {
  return xml.startsWith('<stream:') ? [['xmlns:stream', NS_STREAM]] : [['xmlns', NS_CLIENT]];
}

/** The corpus as a server's WebSocket frames. */
const FRAMES = [OPEN, ...STANZAS.map((s) => asFrame(s.xml, declsFor(s.xml))), CLOSE];
const EXPECTED = [
  '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="example.com" version="1.0" xml:lang="en"/>',
  ...STANZAS.map((s) => asFrame(s.expected, declsFor(s.xml), '"')),
  '<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>',
];

export function fragmentSuite(factory: XmlParserFactory): void {
  describe('fragment mode', () => {
    it('emits each frame as one whole element and is idle after each', () => {
      const r = record(factory, { fragment: true });
      FRAMES.forEach((frame, i) => {
        r.parser.write(frame);
        expect(r.parser.idle, `after frame ${i}`).toBe(true);
        expect(r.events.length, `after frame ${i}`).toBe(i + 1);
      });
      const elements = r.events.map((e) => (e.type === 'element' ? e.element : undefined));
      expect(elements.map((e) => e?.toString())).toEqual(EXPECTED);
      STANZAS.forEach((s, i) => {
        const el = elements[i + 1];
        if (s.ns && el) expect(namespaces(el), s.name).toEqual(s.ns);
      });
    });

    it('is not idle while a frame is incomplete, wherever it is cut', () => {
      const frame = FRAMES[9] as string; // entities, references, non-BMP
      for (let i = 1; i < frame.length; i++) {
        const r = record(factory, { fragment: true });
        r.parser.write(frame.slice(0, i));
        expect(r.parser.idle, `cut at ${i}`).toBe(false);
        expect(r.events, `cut at ${i}`).toEqual([]);
        r.parser.write(frame.slice(i));
        expect(r.parser.idle, `cut at ${i}`).toBe(true);
        expect(summarize(r.events), `cut at ${i}`).toEqual([expect.stringMatching(/^element <message /)]);
      }
    });

    it('stays idle on whitespace and an XML declaration between frames', () => {
      const r = record(factory, { fragment: true });
      r.parser.write("<?xml version='1.0'?>");
      expect(r.parser.idle).toBe(true);
      r.parser.write(' \n\t ');
      expect(r.parser.idle).toBe(true);
      r.parser.write(`${OPEN}\n`);
      expect(r.parser.idle).toBe(true);
      expect(r.events).toHaveLength(1);
    });

    it('never reports a stream start or end', () => {
      const r = record(factory, { fragment: true });
      r.parser.write(`${OPEN}<stream:features xmlns:stream='${NS_STREAM}'/>${CLOSE}`);
      expect(summarize(r.events).map((e) => e.split(' ')[0])).toEqual(['element', 'element', 'element']);
    });

    it('gives the same trees for all frames in one string, split anywhere', () => {
      const all = FRAMES.join('');
      const whole = record(factory, { fragment: true });
      whole.parser.write(all);
      const expected = summarize(whole.events, true);
      expect(whole.events.map((e) => (e.type === 'element' ? e.element.toString() : e.type))).toEqual(EXPECTED);
      const random = prng(7395);
      for (let n = 0; n < 200; n++) {
        const r = record(factory, { fragment: true });
        feed(r.parser, all, randomCuts(random, all.length, [1, 5, 50, 500][n % 4] as number));
        expect(summarize(r.events, true), `run ${n}`).toEqual(expected);
      }
    });

    it('forgets a partial frame on reset()', () => {
      const r = record(factory, { fragment: true });
      r.parser.write("<message xmlns='jabber:client'><body>half");
      r.parser.reset();
      expect(r.parser.idle).toBe(true);
      r.parser.write(CLOSE);
      expect(summarize(r.events)).toEqual([expect.stringMatching(/^element <close /)]);
    });
  });
}
