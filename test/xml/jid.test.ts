// JIDs: parsing, formatting, the string helpers, errors, and XEP-0106 escaping with the XEP's own examples.
import { describe, expect, it } from 'vitest';
import { escapeNode, getBareJid, getDomain, getNode, getResource, JID, JIDError, unescapeNode } from '../../src/jid.js';

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
      expect(() => JID.parse(bad), bad).toThrow(JIDError);
    }
    expect(() => new JID('a', '')).toThrow('a JID needs a domain');
    expect(() => new JID('a b', 'example.com')).toThrow(/see escapeNode/);
  });

  it('splits JID strings with the helpers', () => {
    expect(getBareJid('a@b/c/d')).toBe('a@b');
    expect(getBareJid('b')).toBe('b');
    expect(getDomain('a@b/c@d')).toBe('b');
    expect(getDomain('b/c')).toBe('b');
    expect(getNode('a@b/c')).toBe('a');
    expect(getNode('b/c@d')).toBe('');
    expect(getResource('a@b/c/d')).toBe('c/d');
    expect(getResource('a@b')).toBe('');
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
