// JIDs: parsing, RFC 7622 validation and comparison, the string helpers, errors, and XEP-0106 escaping
// with the XEP's own examples.
import { describe, expect, it } from 'vitest';
import { escapeNode, getBareJid, getDomain, getNode, getResource, JID, JIDError, unescapeNode } from '../src/jid.js';

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

function expectRefused(jid: string): void {
  expect(() => JID.parse(jid), JSON.stringify(jid)).toThrow(JIDError);
}
function expectAccepted(jid: string): JID {
  expect(() => JID.parse(jid), JSON.stringify(jid)).not.toThrow();
  return JID.parse(jid);
}

describe('JID', () => {
  it('parses and formats full, bare and domain JIDs', () => {
    const full = JID.parse('juliet@Capulet.LIT/balcony/upstairs@night');
    expect([full.local, full.domain, full.resource]).toEqual(['juliet', 'capulet.lit', 'balcony/upstairs@night']);
    expect(full.toString()).toBe('juliet@capulet.lit/balcony/upstairs@night');
    expect(full.bare).toBe('juliet@capulet.lit');
    expect(full.toBare().toString()).toBe('juliet@capulet.lit');
    const domain = JID.parse('example.com.');
    expect([domain.local, domain.domain, domain.resource, domain.bare]).toEqual(['', 'example.com', '', 'example.com']);
    expect(JID.parse('example.com/res').toString()).toBe('example.com/res');
    const bare = JID.parse('romeo@montague.lit');
    expect(bare.toBare()).toBe(bare);
  });

  it('compares bare JIDs, ignoring local-part case', () => {
    expect(JID.parse('Romeo@montague.lit/a').bareEquals(JID.parse('romeo@MONTAGUE.lit/b'))).toBe(true);
    expect(JID.parse('romeo@montague.lit').bareEquals(JID.parse('juliet@montague.lit'))).toBe(false);
  });

  it('refuses what is not a JID', () => {
    for (const bad of ['', '@example.com', 'user@', 'user@/res', 'user@example.com/', 'a@b@c', 'user@exa mple.com', 'user@.', 'us"er@example.com', 'a:b@example.com']) {
      expectRefused(bad);
    }
    expect(() => new JID('a', '')).toThrow(/invalid domain "": empty label/);
    expect(() => new JID('a b', 'example.com')).toThrow(/see escapeNode/);
  });

  it('splits JID strings with the helpers, which do not validate', () => {
    expect(getBareJid('a@b/c/d')).toBe('a@b');
    expect(getBareJid('b')).toBe('b');
    expect(getDomain('a@b/c@d')).toBe('b');
    expect(getDomain('b/c')).toBe('b');
    expect(getNode('a@b/c')).toBe('a');
    expect(getNode('b/c@d')).toBe('');
    expect(getResource('a@b/c/d')).toBe('c/d');
    expect(getResource('a@b')).toBe('');
    expect(getNode('a b\u0000@x..y/\uD800')).toBe('a b\u0000');
    expect(getResource('a b\u0000@x..y/\uD800')).toBe('\uD800');
  });
});

describe('RFC 7622 local parts', () => {
  it('accepts internationalized and escaped local parts', () => {
    for (const local of ['jürgen', '用户', 'ａｌｉｃｅ', 'o.brien', 'a+tag', 'straße', 'İstanbul', '\u{1F600}', 'space\\20cadet']) {
      expect(expectAccepted(`${local}@example.com`).local).toBe(local);
    }
    expect(expectAccepted('用户@例子.中国').toString()).toBe('用户@例子.中国');
  });

  it('refuses the characters RFC 7622 forbids in a local part', () => {
    for (const c of ['"', '&', "'", ':', '<', '>', ' ', '\t', '\u00A0', '\u2003', '\u3000']) expectRefused(`a${c}b@example.com`);
    // "@" and "/" end the local part when parsing, so only the constructor can be given them
    for (const c of ['@', '/']) expect(() => new JID(`a${c}b`, 'example.com'), c).toThrow(/local part.*see escapeNode/);
  });

  it('refuses controls, noncharacters and lone surrogates in a local part', () => {
    for (const c of ['\u0000', '\u001F', '\u007F', '\u0085', '\u009F', '\uFDD0', '\uFDEF', '\uFFFE', '\uFFFF', '\u{1FFFE}', '\u{10FFFF}', '\uD800', '\uDBFF', '\uDC00', '\uDC00\uD800']) {
      expectRefused(`a${c}b@example.com`);
    }
  });

  it('allows 1023 bytes of UTF-8 in a local part, not 1024', () => {
    for (const [char, bytes] of [['é', 2], ['例', 3], ['\u{1F600}', 4]] as const) {
      const local = char.repeat(Math.floor(1023 / bytes)) + 'a'.repeat(1023 % bytes);
      expect(utf8Bytes(local)).toBe(1023);
      expectAccepted(`${local}@example.com`);
      expectRefused(`${local}a@example.com`);
    }
  });
});

describe('RFC 7622 domain parts', () => {
  it('accepts host names, internationalized names and IP literals', () => {
    for (const domain of ['example.com', 'localhost', 'exämple.org', 'xn--exmple-cua.org', '例子.中国', '127.0.0.1', '[::1]', '[2001:DB8::1]', 'a-b.example']) {
      expectAccepted(`user@${domain}/r`);
    }
    expect(JID.parse('[2001:DB8::1]').domain).toBe('[2001:db8::1]');
  });

  it('drops one trailing dot and needs something left', () => {
    expect(JID.parse('a@Example.COM.').domain).toBe('example.com');
    for (const bad of ['a@.', 'a@..', 'a@example.com..', '.']) expectRefused(bad);
  });

  it('refuses empty labels', () => {
    for (const bad of ['a..b', '.example.com', 'example..com', 'a\u3002\u3002b']) expectRefused(`user@${bad}`);
  });

  it('refuses characters that cannot appear in a domain', () => {
    for (const c of [' ', '\t', '"', '&', "'", '<', '>', '\\', ':', '?', '#', '%', '[', ']', '\u0000', '\u007F', '\u0085', '\uFDD0', '\uFFFE', '\uD800', '\u3000']) {
      expectRefused(`user@exa${c}mple.com`);
    }
    for (const c of ['@', '/']) expect(() => new JID('user', `exa${c}mple.com`), c).toThrow(/domain/);
    // a port is not part of a JID, and would otherwise compare equal to the bare host name
    expectRefused('user@example.com:5222');
  });

  it('refuses brackets that do not hold an IPv6 address', () => {
    for (const bad of ['[::1', '[:::]', '[example.com]', '[127.0.0.1]', '[fe80::1%eth0]', '[]']) expectRefused(`user@${bad}`);
  });

  it('allows 63-byte labels, measured as the A-label of an internationalized label', () => {
    expectAccepted(`user@${'a'.repeat(63)}.example`);
    expectRefused(`user@${'a'.repeat(64)}.example`);
    // 120 bytes of UTF-8, but only 46 as "xn--…"
    expectAccepted(`user@${'例'.repeat(40)}.example`);
    // 60 bytes of UTF-8, but 65 as "xn--…"
    expectRefused('user@例子中国用户测试域名长标签你好世界一二三.example');
  });

  it('allows 1023 bytes of UTF-8 in a domain, not 1024', () => {
    // sixteen labels of 62 bytes, their dots, and a 15-byte label
    const domain = `${Array(16).fill('ü'.repeat(31)).join('.')}.${'a'.repeat(15)}`;
    expect(utf8Bytes(domain)).toBe(1023);
    expectAccepted(`user@${domain}`);
    expectRefused(`user@${domain}a`);
  });
});

describe('RFC 7622 resource parts', () => {
  it('accepts spaces, symbols and any script, as the OpaqueString profile does', () => {
    for (const resource of ['Gajim 1.8 <laptop>', 'a@b/c', ' ', 'Résumé', 'Ｆｕｌｌ', '\u{1F600}', '"&\'<>:', '\u{10FFFD}']) {
      expect(expectAccepted(`user@example.com/${resource}`).resource).toBe(resource);
    }
  });

  it('refuses controls, noncharacters, lone surrogates and an empty resource', () => {
    for (const c of ['\u0000', '\n', '\t', '\u007F', '\u0085', '\uFDD0', '\uFFFE', '\u{2FFFF}', '\uD800', '\uDFFF']) {
      expectRefused(`user@example.com/a${c}b`);
    }
    expectRefused('user@example.com/');
    expect(() => new JID('user', 'example.com', '\u0000')).toThrow(/resource/);
  });

  it('allows 1023 bytes of UTF-8 in a resource, not 1024', () => {
    const resource = `${'例'.repeat(341)}`;
    expect(utf8Bytes(resource)).toBe(1023);
    expectAccepted(`user@example.com/${resource}`);
    expectRefused(`user@example.com/${resource}a`);
    expectRefused(`user@example.com/${'\u{1F600}'.repeat(256)}`);
  });
});

describe('JID errors', () => {
  it('name the part that is wrong without echoing a huge input', () => {
    const cases: [string, RegExp][] = [
      [`${'a'.repeat(5000)}@example.com`, /local part/],
      [`user@${'a'.repeat(5000)}`, /domain/],
      [`user@example.com/${'a'.repeat(5000)}`, /resource/],
      [`user@example.com/${'\u0000'.repeat(5000)}`, /resource/],
      [`user@example.com/${'a'.repeat(5000)}/`, /resource/],
    ];
    for (const [jid, part] of cases) {
      const error = (() => {
        try {
          JID.parse(jid);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(JIDError);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as JIDError).message).toMatch(part);
      expect((error as JIDError).message.length).toBeLessThan(160);
    }
  });

  it('are checked by the constructor too', () => {
    expect(() => new JID('a'.repeat(1024), 'example.com')).toThrow(JIDError);
    expect(() => new JID('user', 'a..b')).toThrow(JIDError);
    expect(() => new JID('user', 'example.com', '\uFFFF')).toThrow(JIDError);
    expect(new JID('user', 'Example.COM.', 'r').toString()).toBe('user@example.com/r');
  });
});

describe('JID.tryParse', () => {
  it('gives undefined instead of throwing', () => {
    for (const bad of ['', 'user@', 'a@b/', `${'a'.repeat(5000)}@example.com`, undefined, null]) expect(JID.tryParse(bad)).toBeUndefined();
    expect(JID.tryParse('user@example.com/r')?.toString()).toBe('user@example.com/r');
  });
});

describe('JID comparison', () => {
  const same = (a: string, b: string): boolean => JID.parse(a).bareEquals(JID.parse(b));

  it('maps local parts as PRECIS UsernameCaseMapped does', () => {
    expect(same('jürgen@example.org', 'ju\u0308rgen@example.org')).toBe(true);
    expect(same('JÜRGEN@example.org', 'ju\u0308rgen@example.org')).toBe(true);
    expect(same('ａｌｉｃｅ@example.org', 'alice@example.org')).toBe(true);
    expect(same('ＡＬＩＣＥ@example.org', 'alice@example.org')).toBe(true);
    expect(same('ｶﾞ@example.org', 'ガ@example.org')).toBe(true);
    expect(same('ΣΑΣ@example.org', 'σας@example.org')).toBe(true);
  });

  it('also matches local parts a nodeprep server takes for the same account', () => {
    expect(same('straße@example.org', 'strasse@example.org')).toBe(true);
    expect(same('Straße@example.org', 'STRASSE@example.org')).toBe(true);
    expect(same('STRAẞE@example.org', 'strasse@example.org')).toBe(true);
    expect(same('ﬁsh@example.org', 'fish@example.org')).toBe(true);
    expect(same('x²@example.org', 'x2@example.org')).toBe(true);
  });

  it('lower-cases local parts only: what upper-casing first would merge stays apart', () => {
    // U+0131 dotless i is already lower case: "ıd" and "id" are two accounts under RFC 7622
    expect(same('\u0131d@example.org', 'id@example.org')).toBe(false);
    expect(same('\u0131d@example.org', 'ID@example.org')).toBe(false);
    expect(JID.parse('\u0131d@example.org/r').equals(JID.parse('id@example.org/r'))).toBe(false);
    // U+0130 capital I with dot lower-cases to "i" and a combining dot, not to "i"
    expect(same('\u0130d@example.org', 'id@example.org')).toBe(false);
  });

  it('tells different local parts apart', () => {
    expect(same('alice@example.org', 'alicia@example.org')).toBe(false);
    expect(same('jürgen@example.org', 'jurgen@example.org')).toBe(false);
    expect(same('user@example.org', 'example.org')).toBe(false);
  });

  it('compares domains by their A-labels, in any case', () => {
    expect(same('jürgen@exämple.org', 'jürgen@xn--exmple-cua.org')).toBe(true);
    expect(same('jürgen@EXÄMPLE.ORG', 'jürgen@XN--EXMPLE-CUA.org')).toBe(true);
    expect(same('用户@例子.中国', '用户@xn--fsqu00a.xn--fiqs8s')).toBe(true);
    expect(same('a@exa\u0308mple.org', 'a@exämple.org')).toBe(true);
    expect(same('a@[::1]', 'a@[0:0::1]')).toBe(true);
    expect(same('a@example.org', 'a@example.com')).toBe(false);
    expect(same('a@exämple.org', 'a@example.org')).toBe(false);
  });

  it('never reads a domain as an IPv4 address the way a URL parser does', () => {
    for (const [a, b] of [
      ['127.1', '127.0.0.1'],
      ['0x7f.1', '127.0.0.1'],
      ['0x7f000001', '127.0.0.1'],
      ['2130706433', '127.0.0.1'],
      ['0177.0.0.1', '127.0.0.1'],
      ['1.2.3', '1.2.0.3'],
      ['例.127.1', '例.127.0.0.1'],
      ['１２７.1', '127.0.0.1'],
    ]) {
      expect(same(`user@${a}`, `user@${b}`), `${a} vs ${b}`).toBe(false);
    }
    expect(same('user@127.0.0.1', 'user@127.0.0.1')).toBe(true);
    expect(same('user@例.127.1', 'user@xn--fsq.127.1')).toBe(true);
    expect(same('user@ＥＸＡＭＰＬＥ.org', 'user@example.org')).toBe(true);
  });

  it('compares resources exactly in equals', () => {
    const jid = JID.parse('Alice@Example.org/Phone');
    expect(jid.equals(JID.parse('alice@example.org/Phone'))).toBe(true);
    expect(jid.equals(JID.parse('alice@example.org/phone'))).toBe(false);
    expect(jid.equals(JID.parse('alice@example.org'))).toBe(false);
    expect(jid.bareEquals(JID.parse('alice@example.org/phone'))).toBe(true);
    expect(JID.parse('a@b/ｒ').equals(JID.parse('a@b/r'))).toBe(false);
    expect(JID.parse('a@b/e\u0301').equals(JID.parse('a@b/é'))).toBe(false);
  });
});

describe('JID.parse on random input', () => {
  /** mulberry32: a small seeded generator, so that a failure can be replayed. */
  function seeded(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const PIECES = [
    'a', 'Z', '0', '.', '.', '@', '@', '/', '/', '-', ' ', 'ü', 'u\u0308', '例', 'ß', 'İ', 'ａ', '\u{1F600}', 'xn--', '[', ']', ':', '::1',
    '"', '&', "'", '<', '>', '\\', '%', '#', '?', '\u0000', '\t', '\u001F', '\u007F', '\u0085', '\u00A0', '\u3000', '\u3002', '\u00AD',
    '\uD800', '\uDC00', '\uFDD0', '\uFFFE', '\uFFFF', '\u{10FFFF}', '\u{1FFFE}',
  ];

  function randomString(random: () => number): string {
    const pick = (): string => PIECES[Math.floor(random() * PIECES.length)] as string;
    const word = (): string => Array.from({ length: 1 + Math.floor(random() * 6) }, () => (random() < 0.7 ? 'abc' : pick())).join('');
    if (random() < 0.05) return (random() < 0.5 ? 'x' : '例').repeat(300 + Math.floor(random() * 1000));
    // mostly JID-shaped, so that many are accepted and round-tripped
    const parts = [random() < 0.7 ? `${word()}@` : '', word(), random() < 0.2 ? `.${word()}` : '', random() < 0.5 ? `/${word()}` : ''];
    if (random() < 0.1) parts.splice(Math.floor(random() * 4), 0, 'y'.repeat(1000 + Math.floor(random() * 40)));
    return parts.join('');
  }

  it('either gives a JID that round-trips, or throws a JIDError', () => {
    const random = seeded(7622);
    const started = performance.now();
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const input = randomString(random);
      let jid: JID;
      try {
        jid = JID.parse(input);
      } catch (error) {
        if (!(error instanceof JIDError)) throw new Error(`${JSON.stringify(input)} threw ${String(error)}`);
        continue;
      }
      accepted++;
      const again = JID.parse(jid.toString());
      expect(again.toString(), JSON.stringify(input)).toBe(jid.toString());
      expect(again.equals(jid), JSON.stringify(input)).toBe(true);
    }
    expect(accepted).toBeGreaterThan(500);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});

describe('XEP-0106 JID escaping', () => {
  // the XEP's table of examples (§5), local part only
  const EXAMPLES: [string, string][] = [
    ['space cadet', 'space\\20cadet'],
    ['call me "ishmael"', 'call\\20me\\20\\22ishmael\\22'],
    ['at&t guy', 'at\\26t\\20guy'],
    ["d'artagnan", 'd\\27artagnan'],
    ['/.fanboy', '\\2f.fanboy'],
    ['::foo::', '\\3a\\3afoo\\3a\\3a'],
    ['<foo>', '\\3cfoo\\3e'],
    ['user@host', 'user\\40host'],
    ['c:\\net', 'c\\3a\\net'],
    ['c:\\\\net', 'c\\3a\\\\net'],
    ['c:\\cool stuff', 'c\\3a\\cool\\20stuff'],
    ['c:\\5commas', 'c\\3a\\5c5commas'],
  ];

  for (const [raw, escaped] of EXAMPLES) {
    it(`${raw} ⇄ ${escaped}`, () => {
      expect(escapeNode(raw)).toBe(escaped);
      expect(unescapeNode(escaped)).toBe(raw);
      expect(JID.parse(`${escaped}@example.com`).local).toBe(escaped);
    });
  }

  it('drops leading and trailing spaces, and unescapes upper-case sequences too', () => {
    expect(escapeNode('  spaced out  ')).toBe('spaced\\20out');
    expect(unescapeNode('a\\2Fb')).toBe('a/b');
    expect(unescapeNode('no\\escapes\\here')).toBe('no\\escapes\\here');
  });
});
