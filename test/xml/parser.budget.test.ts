// Parser budget, for both backends: the work grows linearly with the input, whatever its shape, up to the stanza
// limit. Timing is by ratio, never against a clock budget: each input at size n and 2n is parsed (interleaved,
// several times, the fastest run kept) and the larger may take at most 2.5 times as long. Input over the limit is
// refused quickly: in a fraction of the time a legal input of the same size takes. Times are CPU time of this
// process, so that other work on a busy machine does not count.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STANZA_SIZE, HARD_MAX_DEPTH, type XmlParserFactory, type XmlParserOptions } from '../../src/xml/parser.js';
import { MAX_ROOT_DECLARATIONS } from '../../src/xml/root-declarations.js';
import { saxWasmParser } from '../../src/xml/sax-wasm-parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';

const WASM = readFileSync(new URL('../../node_modules/sax-wasm/lib/sax-wasm.wasm', import.meta.url));
const BACKENDS: [string, XmlParserFactory][] = [
  ['default', createStreamParser],
  ['sax-wasm', await saxWasmParser(WASM)],
];

/** The smaller size; the larger is twice this. Both are far above timer noise and within both backends' limits. */
const N = 256 * 1024;
/** How much longer the input twice the size may take: 2 for linear work, with room for noise (quadratic is 4). */
const MAX_RATIO = 2.5;
/** How long refusing an oversized input may take, relative to parsing a legal input of the same size. */
const MAX_REFUSAL_RATIO = 0.75;
/**
 * A batch of parses takes at least this long: fast inputs are timed over many runs, and every batch spans several
 * garbage collections (a batch too short to hold one would favour the smaller input, whose batch may miss it).
 */
const MIN_BATCH_MS = 60;
/** Timing rounds: at least the first number, more (up to the second) while the ratio is over budget: load elsewhere passes. */
const ROUNDS = [3, 24] as const;

interface Shape {
  name: string;
  /** An input of about `size` characters. */
  make(size: number): string;
  options?: XmlParserOptions;
  /** Written in pieces of this many characters (else whole). */
  chunk?: number;
}

// A full garbage collection before each comparison, so that what earlier tests left behind (garbage, and the
// strings V8 interned for their attribute names) is not collected, at a cost growing with it, during this one.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A short name made of `stem` and `i`, different for every `i`. */
const nth = (stem: string, i: number): string => stem + i.toString(36);

function manyAttributes(size: number): string {
  const parts = ['<m'];
  for (let i = 0, length = 2; length < size; i++) {
    const attribute = ` ${nth('a', i)}='${i % 10}'`;
    parts.push(attribute);
    length += attribute.length;
  }
  return `${parts.join('')}/>`;
}

function deepPrefixed(size: number): string {
  // as deep as the hard limit allows at 2N: each level is as long as that takes, and uses its prefixes three times
  const level = Math.ceil((2 * N) / HARD_MAX_DEPTH);
  const open = `<p:e p:a='1' q:b='${'v'.repeat(Math.max(1, level - 26))}'>`;
  const depth = Math.floor(size / (open.length + 6));
  return `<r xmlns:p='urn:p' xmlns:q='urn:q'>${open.repeat(depth - 1)}${'</p:e>'.repeat(depth - 1)}</r>`;
}

function manyPrefixes(size: number): string {
  // declared on the root, used sixteen to a child: a child per prefix would mostly time the garbage collector
  const count = Math.floor(size / 46);
  const prefixes = Array.from({ length: count }, (_, i) => nth('p', i));
  const declarations = prefixes.map((p, i) => ` xmlns:${p}='urn:example:${i}'`).join('');
  const children: string[] = [];
  for (let i = 0; i < count; i += 16) {
    const group = prefixes.slice(i, i + 16);
    children.push(`<${group[0]}:x${group.map((p) => ` ${p}:a='1'`).join('')}/>`);
  }
  return `<m${declarations}>${children.join('')}</m>`;
}

const SHAPES: Shape[] = [
  { name: 'deep nesting with prefixes', make: deepPrefixed, options: { maxDepth: HARD_MAX_DEPTH } },
  { name: 'many attributes', make: manyAttributes },
  { name: 'many prefixes declared and used', make: manyPrefixes },
  { name: 'a long element name and a long attribute name', make: (size) => `<${'n'.repeat(size / 3)} ${'a'.repeat(size / 3)}='1'/>` },
  { name: 'many entity and character references', make: (size) => `<m a='${'&amp;&#65;'.repeat(size / 40)}'>${'&lt;&#x1F600;&quot;'.repeat(size / 36)}</m>` },
  { name: 'a long text', make: (size) => `<m><body>${'lorem ipsum '.repeat(size / 12)}</body></m>` },
  { name: 'a long CDATA section', make: (size) => `<m><body><![CDATA[${'a]b]]c> '.repeat(size / 8)}]]></body></m>` },
  { name: 'an end tag with a long run of inner whitespace', make: (size) => `<m></m${' '.repeat(size)}x>` },
  { name: 'a long text trickling in', make: (size) => `<m><body>${'lorem ipsum '.repeat(size / 12)}</body></m>`, chunk: 64 },
  { name: 'many attributes trickling in', make: manyAttributes, chunk: 64 },
  { name: 'a long CDATA section trickling in', make: (size) => `<m><![CDATA[${'a]b]]c> '.repeat(size / 8)}]]></m>`, chunk: 64 },
];

/** Parses `input` (whole, or in `chunk`-sized pieces) in fragment mode; returns the last event: `element` or an error condition. */
function parse(factory: XmlParserFactory, input: string | string[], options: XmlParserOptions, chunk?: number): string {
  let outcome = 'nothing';
  const parser = factory(
    {
      onStreamStart: () => {},
      onStreamEnd: () => {},
      onElement: () => {
        outcome = 'element';
      },
      onError: (e) => {
        outcome = `error ${e.condition}`;
      },
    },
    { fragment: true, ...options },
  );
  for (const frame of typeof input === 'string' ? [input] : input) {
    if (chunk === undefined) parser.write(frame);
    else for (let i = 0; i < frame.length; i += chunk) parser.write(frame.slice(i, i + chunk));
  }
  return outcome;
}

/** CPU milliseconds `runs` parses take. */
function time(runs: number, once: () => unknown): number {
  const start = process.cpuUsage();
  for (let i = 0; i < runs; i++) once();
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

/**
 * The fastest time of `slow` over the fastest time of `fast`, each timed in batches long enough to measure, in
 * interleaved rounds: more rounds are taken while the ratio is over `budget`, as noise only ever slows a run.
 */
function ratioOfFastest(fast: () => unknown, slow: () => unknown, budget: number): number {
  collectGarbage();
  time(1, fast); // warms up: the first run also compiles
  const runs = Math.max(1, Math.ceil(MIN_BATCH_MS / Math.max(time(1, fast), 0.001)));
  let bestFast = Number.POSITIVE_INFINITY;
  let bestSlow = Number.POSITIVE_INFINITY;
  for (let round = 0; round < ROUNDS[1]; round++) {
    if (round % 2 === 0) bestFast = Math.min(bestFast, time(runs, fast));
    bestSlow = Math.min(bestSlow, time(runs, slow));
    if (round % 2 === 1) bestFast = Math.min(bestFast, time(runs, fast));
    if (round + 1 >= ROUNDS[0] && bestSlow / bestFast <= budget) break;
  }
  return bestSlow / bestFast;
}

describe('parser budget', () => {
  for (const [backend, factory] of BACKENDS) {
    describe(backend, () => {
      for (const shape of SHAPES) {
        it(`${shape.name}: twice the input takes at most ${MAX_RATIO} times as long`, () => {
          const options = { maxStanzaSize: DEFAULT_MAX_STANZA_SIZE, ...shape.options };
          const small = shape.make(N);
          const large = shape.make(2 * N);
          expect(large.length).toBeLessThan(DEFAULT_MAX_STANZA_SIZE);
          const outcome = parse(factory, small, options, shape.chunk);
          // it parses or it is refused, the same way at both sizes
          expect(outcome).toMatch(/^(element|error \S+)$/);
          expect(parse(factory, large, options, shape.chunk)).toBe(outcome);
          const ratio = ratioOfFastest(
            () => parse(factory, small, options, shape.chunk),
            () => parse(factory, large, options, shape.chunk),
            MAX_RATIO,
          );
          expect(ratio, `${backend}, ${shape.name}`).toBeLessThanOrEqual(MAX_RATIO);
        }, 120_000);
      }

      it(`a stream root with ${MAX_ROOT_DECLARATIONS} namespace declarations: its stanzas cost no more than with one`, () => {
        const stream = (decls: number) =>
          `<s xmlns='jabber:client'${Array.from({ length: decls - 1 }, (_, i) => ` xmlns:${nth('p', i)}='u'`).join('')}>${'<a/>'.repeat(N / 4)}</s>`;
        const options = { fragment: false };
        const one = stream(1);
        const most = stream(MAX_ROOT_DECLARATIONS);
        expect(parse(factory, most, options)).toBe('element');
        const ratio = ratioOfFastest(
          () => parse(factory, one, options),
          () => parse(factory, most, options),
          1.5,
        );
        expect(ratio, backend).toBeLessThanOrEqual(1.5);
      }, 120_000);

      // one element over the limit against frames under it of the same total size; a lower limit keeps this quick
      const OVERSIZED: { name: string; frame: (size: number) => string }[] = [
        { name: 'a long text with references', frame: (size) => `<m><body>${'lorem &amp; ipsum &#x263A; '.repeat(size / 26)}</body></m>` },
        // in groups: one parent of tens of thousands would time how V8 grows a very large array
        { name: 'many children', frame: (size) => `<m>${`<g>${"<c a='1'/>".repeat(100)}</g>`.repeat(size / 1007)}</m>` },
        { name: 'many attributes', frame: manyAttributes },
      ];
      for (const o of OVERSIZED) {
        it(`refuses ${o.name} over the limit with policy-violation, in a fraction of the time a legal input of that size takes`, () => {
          const options = { maxStanzaSize: N };
          const oversized = o.frame(2 * N);
          const legal = Array.from({ length: 4 }, () => o.frame(N / 2));
          expect(parse(factory, oversized, options)).toBe('error policy-violation');
          expect(parse(factory, legal, options)).toBe('element');
          const ratio = ratioOfFastest(
            () => parse(factory, legal, options),
            () => parse(factory, oversized, options),
            MAX_REFUSAL_RATIO,
          );
          expect(ratio, `${backend}, ${o.name}`).toBeLessThanOrEqual(MAX_REFUSAL_RATIO);
        }, 120_000);
      }
    });
  }
});
