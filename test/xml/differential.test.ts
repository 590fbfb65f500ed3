// Differential fuzzing: random valid stanzas split at random points give identical trees from both backends
// (and the same serialization as an independent parser); random single faults give the same conditions.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import { saxWasmParser } from '../../src/xml/sax-wasm-parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { FAULTS, type Fault, faultyStanza, keepalive, randomStanza } from './random-xml.js';
import { feed, prng, randomCuts, record, referenceParse, summarize } from './support.js';

const WASM = readFileSync(new URL('../../node_modules/sax-wasm/lib/sax-wasm.wasm', import.meta.url));
const saxWasm = await saxWasmParser(WASM);
const BACKENDS: [string, XmlParserFactory][] = [
  ['default', createStreamParser],
  ['sax-wasm', saxWasm],
];
const ROOT = "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";
const utf8 = new TextEncoder();

function parse(factory: XmlParserFactory, input: string | Uint8Array, cuts: number[], fragment: boolean, max?: number): string[] {
  const r = record(factory, { fragment, maxStanzaSize: max });
  feed(r.parser, input, cuts);
  return summarize(r.events, true);
}

/** Both backends on the same input and cuts; returns the (equal) summaries. */
function both(input: string | Uint8Array, cuts: number[], fragment: boolean, max?: number): string[] {
  const [a, b] = BACKENDS.map(([, f]) => parse(f, input, cuts, fragment, max));
  expect(b).toEqual(a);
  return a as string[];
}

describe('differential fuzzing: default vs sax-wasm', () => {
  it('random frames: identical trees wherever split, as strings and bytes (seeds 1-300)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const random = prng(seed);
      const frames = Array.from({ length: 1 + Math.floor(random() * 4) }, () => keepalive(random) + randomStanza(random));
      const input = frames.join('');
      const whole = both(input, [], true);
      expect(whole.filter((e) => e.startsWith('element')), `seed ${seed}: ${input}`).toHaveLength(frames.length);
      // an independent parser serializes the same
      const reference = referenceParse(input, true).map(String);
      const r = record(createStreamParser, { fragment: true });
      r.parser.write(input);
      expect(r.events.map((e) => (e.type === 'element' ? e.element.toString() : e.type)), `seed ${seed}: ${input}`).toEqual(reference);
      for (let k = 0; k < 4; k++) {
        expect(both(input, randomCuts(random, input.length, 1 + k * 7), true), `seed ${seed}`).toEqual(whole);
      }
      const bytes = utf8.encode(input);
      expect(both(bytes, randomCuts(random, bytes.length, 12), true), `seed ${seed} (bytes)`).toEqual(whole);
    }
  });

  it('random streams: identical events wherever split (seeds 1001-1150)', () => {
    for (let seed = 1001; seed <= 1150; seed++) {
      const random = prng(seed);
      let input = ROOT;
      for (let i = 0; i < 1 + Math.floor(random() * 5); i++) input += keepalive(random) + randomStanza(random, ['stream']);
      if (random() < 0.7) input += '</stream:stream>';
      const whole = both(input, [], false);
      expect(whole.at(-1), `seed ${seed}: ${input}`).not.toMatch(/^error/);
      for (let k = 0; k < 3; k++) expect(both(input, randomCuts(random, input.length, 1 + k * 10), false), `seed ${seed}`).toEqual(whole);
    }
  });

  it('random single faults: the same condition from both, whole and split (seeds 2001-2700)', () => {
    const faults = Object.keys(FAULTS) as Fault[];
    for (let seed = 2001; seed <= 2700; seed++) {
      const random = prng(seed);
      const fault = faults[seed % faults.length] as Fault;
      const input = randomStanza(random) + keepalive(random) + faultyStanza(random, fault) + randomStanza(random);
      const whole = both(input, [], true);
      expect(whole.filter((e) => e.startsWith('error')), `seed ${seed} (${fault}): ${input}`).toEqual([`error ${FAULTS[fault]}`]);
      expect(whole.at(-1), `seed ${seed}`).toBe(`error ${FAULTS[fault]}`);
      for (let k = 0; k < 2; k++) expect(both(input, randomCuts(random, input.length, 1 + k * 9), true), `seed ${seed}`).toEqual(whole);
    }
  });

  it('random oversized stanzas: policy-violation from both at the same size (seeds 3001-3100)', () => {
    for (let seed = 3001; seed <= 3100; seed++) {
      const random = prng(seed);
      const stanza = randomStanza(random);
      const max = Math.max(1, stanza.length - 1 - Math.floor(random() * 5));
      for (const cuts of [[], randomCuts(random, stanza.length, 20)]) {
        expect(both(stanza, cuts, true, max), `seed ${seed}`).toEqual(['error policy-violation']);
        expect(both(stanza, cuts, true, stanza.length)[0], `seed ${seed}`).toMatch(/^element/);
      }
    }
  });
});
