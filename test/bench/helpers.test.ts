// The bench's own helpers: statistics, the corpus, the target verdicts.
import { describe, expect, it } from 'vitest';
import { buildCorpus, describeCorpus } from '../../bench/corpus.mjs';
import { fmt, median, ratio, spread } from '../../bench/stats.mjs';
import { evaluateTargets } from '../../bench/targets.mjs';
import { createStreamParser, type XmlElement } from '../../src/core.js';

describe('stats', () => {
  it('takes medians of odd and even counts and ignores non-finite values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5, Number.NaN, 1])).toBe(3);
    expect(median([])).toBeNaN();
    expect(spread([3, 9, 1])).toEqual([1, 9]);
  });

  it('formats ratios and missing values', () => {
    expect(ratio(1, 4)).toBe('0.25×');
    expect(ratio(1, Number.NaN)).toBe('n/a');
    expect(fmt(undefined)).toBe('n/a');
    expect(fmt(70000, 0)).toBe('70,000');
  });
});

describe('corpus', () => {
  it('is deterministic and mixed', () => {
    const a = buildCorpus(300, 1);
    expect(buildCorpus(300, 1)).toEqual(a);
    expect(buildCorpus(300, 2)).not.toEqual(a);
    const kinds = describeCorpus(a).kinds;
    for (const kind of ['message', 'presence', 'iq', 'mam', 'roster']) expect(kinds[kind]).toBeGreaterThan(0);
  });

  it('holds one well-formed stanza per frame', () => {
    const frames = buildCorpus(500, 3);
    const got: XmlElement[] = [];
    const parser = createStreamParser(
      {
        onStreamStart() {},
        onStreamEnd() {},
        onElement: (el) => got.push(el),
        onError: (e) => {
          throw e;
        },
      },
      { fragment: true },
    );
    for (const f of frames) parser.write(f);
    expect(got).toHaveLength(frames.length);
    expect(got.every((el) => el.attrs.xmlns === 'jabber:client')).toBe(true);
  });
});

describe('targets', () => {
  const sample = (ours: number, strophe: number, xmppjs: number) => ({
    results: { antistrophe: { median: ours }, 'strophe.js': { median: strophe }, '@xmpp/client': { median: xmppjs } },
    n: 100,
  });

  it('judges throughput ratios against each peer and the best peer', () => {
    const rows = evaluateTargets({ browser: { client: sample(300, 200, 200), server: sample(96, 100, 90) } });
    expect(rows.map((r) => r.result)).toEqual(['PASS', 'PASS', 'PASS']);
    const worse = evaluateTargets({ browser: { client: sample(290, 200, 250), server: sample(94, 100, 90) } });
    expect(worse.map((r) => r.result)).toEqual(['FAIL', 'FAIL', 'FAIL']);
  });

  it('says n/a rather than PASS when a value is missing', () => {
    const rows = evaluateTargets({ browser: { client: sample(Number.NaN, 200, 200) } });
    expect(rows.every((r) => r.result === 'n/a')).toBe(true);
  });
});
