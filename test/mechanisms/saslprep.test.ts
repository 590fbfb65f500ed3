// SASLprep (RFC 4013): the section 3 examples, mapping, prohibition and bidi rules.
import { describe, expect, it } from 'vitest';
import { saslprep } from '../../mechanisms/saslprep.js';

const prohibited = (s: string) => expect(() => saslprep(s)).toThrowError(expect.objectContaining({ condition: 'saslprep-prohibited' }));

describe('saslprep', () => {
  it('passes the RFC 4013 section 3 examples', () => {
    expect(saslprep('I\u00ADX')).toBe('IX');
    expect(saslprep('user')).toBe('user');
    expect(saslprep('USER')).toBe('USER');
    expect(saslprep('\u00AA')).toBe('a');
    expect(saslprep('\u2168')).toBe('IX');
    prohibited('\u0007');
    prohibited('\u0627\u0031');
  });

  it('maps non-ASCII spaces to SPACE and B.1 characters to nothing', () => {
    expect(saslprep('a\u00A0b\u3000c\u2003d')).toBe('a b c d');
    expect(saslprep('a\u200Db\uFEFFc\uFE0F')).toBe('abc');
  });

  it('normalizes with NFKC', () => {
    expect(saslprep('\uFB01')).toBe('fi');
    expect(saslprep('e\u0301')).toBe('\u00E9');
    expect(saslprep('\uFF21')).toBe('A');
  });

  it('prohibits controls, private use, non-characters, surrogates, tags and display-changing characters', () => {
    for (const s of ['a\u0000', '\u007F', '\u0085', '\u2028', '\uE000', '\uFDD0', '\uFFFE', '\u{10FFFF}', '\uD800', '\u{E0001}', '\u200E', '\u2FF0', '\uFFFD', '\u{1D173}']) prohibited(s);
  });

  it('allows unassigned code points (query semantics) and ordinary non-ASCII text', () => {
    expect(saslprep('\u{50000}')).toBe('\u{50000}');
    expect(saslprep('pässwörd ℌ')).toBe('pässwörd H');
    expect(saslprep('Ελληνικά')).toBe('Ελληνικά');
  });

  it('applies the bidi rules', () => {
    expect(saslprep('\u0627\u0628')).toBe('\u0627\u0628');
    expect(saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
    prohibited('\u0627a\u0628');
    prohibited('1\u0627');
    expect(saslprep('a1')).toBe('a1');
  });

  it('never puts the input in its error message', () => {
    expect(() => saslprep('secret\u0007')).toThrowError(expect.objectContaining({ message: expect.not.stringContaining('secret') }));
  });
});
