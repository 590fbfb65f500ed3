// The corpus expectations checked against an independent parser (saxes), so the conformance suite does not
// merely compare the backends with what they already do.
import { describe, expect, it } from 'vitest';
import { NS_CLIENT, NS_STREAM, SMALL_STREAM, SMALL_STREAM_ELEMENTS, STANZAS, STREAM } from '../fixtures/stanzas.js';
import { namespaces, referenceParse, withRootDecls } from './support.js';

const ROOT_DECLS: [string, string][] = [
  ['xmlns', NS_CLIENT],
  ['xmlns:stream', NS_STREAM],
];

describe('stanza corpus', () => {
  it('matches a reference parse of the whole stream', () => {
    const elements = referenceParse(STREAM);
    expect(elements.map(String)).toEqual(STANZAS.map((s) => withRootDecls(s.expected, ROOT_DECLS)));
    STANZAS.forEach((s, i) => {
      const el = elements[i];
      if (s.ns && el) expect(namespaces(el), s.name).toEqual(s.ns);
    });
  });

  it('matches a reference parse of the small stream', () => {
    expect(referenceParse(SMALL_STREAM).map(String)).toEqual(SMALL_STREAM_ELEMENTS);
  });

  it('is varied: every requested feature appears', () => {
    const all = STREAM;
    for (const needle of ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#233;', '&#x1F600;', '<![CDATA[', '🎭', '𝄞', 'xml:lang', 'xmlns:geo', "='a > b"]) {
      expect(all, needle).toContain(needle);
    }
  });
});
