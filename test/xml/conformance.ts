// The conformance suite every XmlParser backend must pass: the real-stanza corpus split anywhere, fragment
// mode, refused input, and size and depth limits.
import { describe } from 'vitest';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import { corpusSuite } from './conformance-corpus.js';
import { fragmentSuite } from './conformance-fragment.js';
import { depthSuite, limitSuite } from './conformance-limits.js';
import { rejectionSuite } from './conformance-rejections.js';

/** Registers the whole suite for one backend. */
export function runConformance(name: string, factory: XmlParserFactory): void {
  describe(`${name} conformance`, () => {
    corpusSuite(factory);
    fragmentSuite(factory);
    rejectionSuite(factory);
    limitSuite(factory);
    depthSuite(factory);
  });
}
