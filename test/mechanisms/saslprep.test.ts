// SASLprep (RFC 4013): the section 3 examples, mapping, prohibition and bidi rules.
import { describe, expect, it } from 'vitest';
import { saslprep } from '../../mechanisms/saslprep.js';
import { saslprepUnicode } from '../../mechanisms/saslprep-unicode.js';

const prohibited = (s: string) => expect(saslprep(s)).rejects.toMatchObject({ condition: 'saslprep-prohibited' });

describe('saslprep', () => {
  it('passes the RFC 4013 section 3 examples', async () => {
    expect(await saslprep('I\u00ADX')).toBe('IX');
    expect(await saslprep('user')).toBe('user');
    expect(await saslprep('USER')).toBe('USER');
    expect(await saslprep('\u00AA')).toBe('a');
    expect(await saslprep('\u2168')).toBe('IX');
    await prohibited('\u0007');
    await prohibited('\u0627\u0031');
  });

  it('maps non-ASCII spaces to SPACE and B.1 characters to nothing', async () => {
    expect(await saslprep('a\u00A0b\u3000c\u2003d')).toBe('a b c d');
    expect(await saslprep('a\u200Db\uFEFFc\uFE0F')).toBe('abc');
  });

  it('normalizes with NFKC', async () => {
    expect(await saslprep('\uFB01')).toBe('fi');
    expect(await saslprep('e\u0301')).toBe('\u00E9');
    expect(await saslprep('\uFF21')).toBe('A');
  });

  it('prohibits controls, private use, non-characters, surrogates, tags and display-changing characters', async () => {
    for (const s of ['a\u0000', '\u007F', '\u0085', '\u2028', '\uE000', '\uFDD0', '\uFFFE', '\u{10FFFF}', '\uD800', '\u{E0001}', '\u200E', '\u2FF0', '\uFFFD', '\u{1D173}']) await prohibited(s);
  });

  it('allows unassigned code points (query semantics) and ordinary non-ASCII text', async () => {
    expect(await saslprep('\u{50000}')).toBe('\u{50000}');
    expect(await saslprep('pässwörd ℌ')).toBe('pässwörd H');
    expect(await saslprep('Ελληνικά')).toBe('Ελληνικά');
  });

  it('applies the bidi rules', async () => {
    expect(await saslprep('\u0627\u0628')).toBe('\u0627\u0628');
    expect(await saslprep('\u0627\u0031\u0628')).toBe('\u0627\u0031\u0628');
    await prohibited('\u0627a\u0628');
    await prohibited('1\u0627');
    expect(await saslprep('a1')).toBe('a1');
  });

  it('never puts the input in its error message', async () => {
    await expect(saslprep('secret\u0007')).rejects.toMatchObject({ message: expect.not.stringContaining('secret') });
  });

  it('takes the printable-ASCII fast path only where the full profile would return the input unchanged', async () => {
    let ascii = '';
    for (let c = 0x20; c < 0x7f; c++) ascii += String.fromCharCode(c);
    expect(await saslprep(ascii)).toBe(ascii);
    expect(saslprepUnicode(ascii)).toBe(ascii);
    // every ASCII control character goes through the full profile, which prohibits it
    for (let c = 0; c < 0x20; c++) await prohibited(`a${String.fromCharCode(c)}b`);
    await prohibited('a\u007fb');
  });
});
