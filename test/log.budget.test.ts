// Raw redaction runs on every frame and BOSH body a server sends, before any size check: its work must be linear
// in the text whatever its shape. Each adversarial 1 MiB input (shapes that made a backtracking pattern quadratic)
// is redacted within a CPU-time budget far below what quadratic work would take (seconds).
import { describe, expect, it } from 'vitest';
import { redactRaw } from '../src/raw-redaction.js';
import { fastest } from './helpers/cpu-time.js';

const SIZE = 1024 * 1024;
const BUDGET_MS = 200;

const SHAPES: [string, string][] = [
  ['start tags of a SASL name without ">"', '<auth '],
  ['CDATA sections never closed in a SASL element', '<success><![CDATA['],
  ['nested SASL elements never closed', '<auth>'],
  ['SASL end tags without a start', '</auth>'],
  ['comments never closed in a SASL element', '<auth><!--'],
  ['quotes never closed in a SASL element', `<auth><x a='`],
  ['token attributes never closed', `<x token='`],
  ['token attributes without a value', '<x token='],
  ['broken tags', '<a '],
  ['lone "<"', '<'],
  ['attribute names without values', ' a'],
  ['stray quotes in a tag', `'"`],
];

describe('redactRaw budget', () => {
  for (const [name, unit] of SHAPES) {
    it(`redacts 1 MiB of ${name} within ${BUDGET_MS} ms`, () => {
      const head = unit.startsWith(' ') || unit.startsWith("'") ? '<x' : '';
      const text = head + unit.repeat(Math.ceil(SIZE / unit.length));
      expect(fastest(() => redactRaw(text))).toBeLessThan(BUDGET_MS);
    });
  }

  it(`redacts 1 MiB of one long name, one long value or one long token within ${BUDGET_MS} ms`, () => {
    for (const text of [`<${'a'.repeat(SIZE)}`, `<x a='${'v'.repeat(SIZE)}`, `<x token=${'t'.repeat(SIZE)}`, `<auth>${'s'.repeat(SIZE)}`]) {
      expect(fastest(() => redactRaw(text))).toBeLessThan(BUDGET_MS);
    }
  });
});
