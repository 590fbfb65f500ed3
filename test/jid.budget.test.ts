// XEP-0106 escaping runs on local parts an application may take from anyone: linear in the input, whatever it holds.
import { describe, expect, it } from 'vitest';
import { escapeNode, unescapeNode } from '../src/jid.js';
import { fastest } from './helpers/cpu-time.js';

const SIZE = 1024 * 1024;

describe('XEP-0106 escaping budget', () => {
  it('escapes 1 MiB with a long inner run of whitespace within 200 ms, trimming only the ends', () => {
    // a /^\s+|\s+$/ trim took seconds on a tenth of this
    const node = ` a${'\t\n'.repeat(SIZE / 2)}b `;
    expect(fastest(() => escapeNode(node))).toBeLessThan(200);
    expect(escapeNode(' a \t b ')).toBe('a\\20\t\\20b');
  });

  it('escapes and unescapes 64 KiB of backslashes and escape sequences within 200 ms', () => {
    const size = 64 * 1024;
    for (const node of ['\\'.repeat(size), '\\5'.repeat(size / 2), '\\20'.repeat(size / 3), ' @'.repeat(size / 2)]) {
      expect(fastest(() => escapeNode(node))).toBeLessThan(200);
      expect(fastest(() => unescapeNode(node))).toBeLessThan(200);
    }
  });
});
