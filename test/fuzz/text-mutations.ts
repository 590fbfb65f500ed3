// Mutations of one frame's (or one BOSH body's) text: byte-level damage, and structure-aware edits of its tags,
// attributes and texts. Each is a pure function of the text and the generator.
import { ATTR_VALUES, ELEMENT_NAMES, H_VALUES, TOKENS } from './corpus.js';
import type { Rng } from './rng.js';
import { type Attr, attrs, type Span, spans, splice, type Token, tokenize } from './xml-tokens.js';

export type TextMutation = (s: string, r: Rng) => string;

const SPECIALS = ['<', '>', '&', "'", '"', '/', '=', ' ', '\u0000', 'x', '9', '-', ':', '!', '?', ';', '#'];

const pos = (s: string, r: Rng): number => r.int(s.length + 1);
const tags = (s: string): Token[] => tokenize(s).filter((t) => t.kind === 'open' || t.kind === 'empty');
const allAttrs = (s: string): Attr[] => tags(s).flatMap((t) => attrs(s, t));
const valuesFor = (name: string): readonly string[] => ATTR_VALUES[name] ?? (name.startsWith('xmlns:') ? ATTR_VALUES.xmlns : ATTR_VALUES['*']) ?? [''];
const setValue = (s: string, a: Attr, value: string): string => splice(s, a.start, a.end, ` ${a.name}=${a.quote}${value}${a.quote}`);

/** Applies `f` to a random element span; without one, damages a byte instead. */
function onSpan(s: string, r: Rng, f: (span: Span, all: Span[]) => string): string {
  const all = spans(tokenize(s));
  return all.length === 0 ? flipChar(s, r) : f(r.pick(all), all);
}

function flipChar(s: string, r: Rng): string {
  const at = r.int(Math.max(1, s.length));
  return splice(s, at, at + 1, r.pick(SPECIALS));
}

/** Adds an attribute inside the start tag of `span`. */
function addAttr(s: string, tagStart: number, text: string): string {
  const nameEnd = s.slice(tagStart).search(/[\s/>]/);
  const at = nameEnd < 0 ? s.length : tagStart + nameEnd;
  return splice(s, at, at, text);
}

function renameAt(s: string, span: Span, name: string, closeToo: boolean): string {
  let out = s;
  if (closeToo && span.contentEnd < span.end) out = splice(out, span.contentEnd + 2, span.contentEnd + 2 + span.name.length, name);
  return splice(out, span.start + 1, span.start + 1 + span.name.length, name);
}

export const TEXT_MUTATIONS: Readonly<Record<string, TextMutation>> = {
  'flip-char': flipChar,
  'bit-flip': (s, r) => {
    const at = r.int(Math.max(1, s.length));
    return splice(s, at, at + 1, String.fromCharCode((s.charCodeAt(at) || 0) ^ (1 << r.int(16))));
  },
  truncate: (s, r) => s.slice(0, r.int(Math.max(1, s.length))),
  'delete-range': (s, r) => {
    const at = r.int(Math.max(1, s.length));
    return splice(s, at, at + r.range(1, 64), '');
  },
  'dup-range': (s, r) => {
    const at = r.int(Math.max(1, s.length));
    const end = at + r.range(1, 64);
    return splice(s, end, end, s.slice(at, end));
  },
  'insert-token': (s, r) => {
    const at = pos(s, r);
    return splice(s, at, at, r.pick(TOKENS));
  },
  'lone-surrogate': (s, r) => {
    const at = pos(s, r);
    return splice(s, at, at, r.pick(['\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uDC00\uD800']));
  },
  'quote-mix': (s, r) => {
    const quotes = [...s.matchAll(/['"]/g)];
    if (quotes.length === 0) return flipChar(s, r);
    const q = r.pick(quotes);
    return splice(s, q.index, q.index + 1, r.pick(["'", '"', '', '>', '<']));
  },
  'drop-tag': (s, r) => {
    const ts = tokenize(s).filter((t) => t.kind !== 'text');
    if (ts.length === 0) return flipChar(s, r);
    const t = r.pick(ts);
    return splice(s, t.start, t.end, '');
  },
  'drop-element': (s, r) => onSpan(s, r, (sp) => splice(s, sp.start, sp.end, '')),
  'dup-element': (s, r) => onSpan(s, r, (sp) => splice(s, sp.end, sp.end, s.slice(sp.start, sp.end))),
  'swap-siblings': (s, r) =>
    onSpan(s, r, (a, all) => {
      const others = all.filter((b) => b.start >= a.end);
      if (others.length === 0) return splice(s, a.start, a.end, '');
      const b = r.pick(others);
      return s.slice(0, a.start) + s.slice(b.start, b.end) + s.slice(a.end, b.start) + s.slice(a.start, a.end) + s.slice(b.end);
    }),
  'rename-element': (s, r) => onSpan(s, r, (sp) => renameAt(s, sp, r.pick(ELEMENT_NAMES), true)),
  'rename-start-only': (s, r) => onSpan(s, r, (sp) => renameAt(s, sp, r.pick(ELEMENT_NAMES), false)),
  'undeclared-prefix': (s, r) =>
    r.chance(0.5) ? s.replace(/\sxmlns:stream=(['"])[^'"]*\1/, '') : onSpan(s, r, (sp) => renameAt(s, sp, `${r.pick(['p', 'sm', 'stream', 'xml'])}:${sp.name}`, true)),
  'nest-deep': (s, r) =>
    onSpan(s, r, (sp) => {
      // deeper nesting is one known defect's own regression test (a quadratic parse): here it would only stall the run
      const depth = r.pick([3, 64, 255, 257, 300, 1000, 2000]);
      const name = r.pick(['x', 'a', 'message', 'stream:x']);
      const inner = s.slice(sp.contentStart, sp.contentEnd);
      const wrapped = `<${name}>`.repeat(depth) + inner + `</${name}>`.repeat(depth);
      return sp.contentStart < sp.contentEnd ? splice(s, sp.contentStart, sp.contentEnd, wrapped) : splice(s, sp.start, sp.end, `<${name}>`.repeat(depth) + s.slice(sp.start, sp.end) + `</${name}>`.repeat(depth));
    }),
  cdata: (s, r) => {
    const texts = tokenize(s).filter((t) => t.kind === 'text');
    const t = texts.length > 0 ? r.pick(texts) : { start: pos(s, r), end: 0 };
    const end = Math.max(t.start, t.end);
    const text = s.slice(t.start, end);
    const forms = [`<![CDATA[${text}]]>`, `<![CDATA[${text}`, `<![CDATA[${text}]]>]]>`, `<![CDATA[</${r.pick(ELEMENT_NAMES)}>]]>`, `<![CDATA[]]>${text}`, `<![CDATA[<![CDATA[${text}]]>]]>`];
    return splice(s, t.start, end, r.pick(forms));
  },
  entities: (s, r) => {
    const texts = tokenize(s).filter((t) => t.kind === 'text');
    const t = texts.length > 0 ? r.pick(texts) : { start: pos(s, r), end: 0 };
    const end = Math.max(t.start, t.end);
    const text = s.slice(t.start, end);
    const refs = [...text].map((c) => `&#${r.chance(0.5) ? c.codePointAt(0) : `x${(c.codePointAt(0) ?? 0).toString(16)}`};`).join('');
    const forms = [refs, '&#60;message&#62;', '&amp;lt;', '&#xD800;', '&#0;', '&unknown;', '&#99999999;', '&#x;', '&lt;!--', '&#x1F600;&#128512;', `${text}&amp`, '&constructor;', '&__proto__;'];
    return splice(s, t.start, end, r.pick(forms));
  },
  'huge-text': (s, r) => {
    const n = r.weighted([
      [1000, 4],
      [20000, 3],
      [70000, 2],
      [300000, 0.5],
      [1100000, 0.1],
    ] as const);
    const unit = r.pick(['x', 'é', '&amp;', '😀', ' ', '<x/>']);
    const at = tokenize(s).find((t) => t.kind === 'text')?.start ?? s.indexOf('>') + 1;
    return splice(s, at, at, unit.repeat(Math.ceil(n / unit.length)));
  },
  'many-attrs': (s, r) => {
    const ts = tags(s);
    if (ts.length === 0) return flipChar(s, r);
    const n = r.pick([20, 500, 3000]);
    let extra = '';
    for (let i = 0; i < n; i++) extra += ` a${i}='${i}'`;
    return addAttr(s, r.pick(ts).start, extra);
  },
  'many-children': (s, r) =>
    onSpan(s, r, (sp) => {
      const child = r.pick(['<x/>', `<a xmlns='urn:xmpp:sm:3' h='0'/>`, '<body>b</body>', '<jid>user@example.org/r1</jid>']);
      const n = r.pick([100, 2000, 20000]);
      return sp.contentStart < sp.contentEnd ? splice(s, sp.contentStart, sp.contentStart, child.repeat(n)) : splice(s, sp.end, sp.end, child.repeat(n));
    }),
  'attr-value': (s, r) => {
    const as = allAttrs(s);
    if (as.length === 0) return flipChar(s, r);
    const a = r.pick(as);
    return setValue(s, a, r.pick(valuesFor(a.name)));
  },
  'hostile-h': (s, r) => {
    const hs = allAttrs(s).filter((a) => a.name === 'h');
    const value = r.pick(H_VALUES);
    if (hs.length > 0) return setValue(s, r.pick(hs), value);
    const ts = tags(s);
    return ts.length === 0 ? s : addAttr(s, r.pick(ts).start, ` h='${value}'`);
  },
  'swap-attr-values': (s, r) => {
    const ts = tags(s).map((t) => attrs(s, t)).filter((as) => as.length >= 2);
    if (ts.length === 0) return flipChar(s, r);
    const as = r.pick(ts);
    const i = r.int(as.length);
    const j = (i + 1 + r.int(as.length - 1)) % as.length;
    const [a, b] = i < j ? [as[i] as Attr, as[j] as Attr] : [as[j] as Attr, as[i] as Attr];
    return setValue(setValue(s, b, a.value), a, b.value);
  },
  'swap-attr-names': (s, r) => {
    const ts = tags(s).map((t) => attrs(s, t)).filter((as) => as.length >= 2);
    if (ts.length === 0) return flipChar(s, r);
    const as = r.pick(ts);
    const [a, b] = [as[0] as Attr, as[as.length - 1] as Attr];
    return splice(splice(s, b.start, b.end, ` ${a.name}=${b.quote}${b.value}${b.quote}`), a.start, a.end, ` ${b.name}=${a.quote}${a.value}${a.quote}`);
  },
  'drop-attr': (s, r) => {
    const as = allAttrs(s);
    if (as.length === 0) return flipChar(s, r);
    const a = r.pick(as);
    return splice(s, a.start, a.end, '');
  },
  'dup-attr': (s, r) => {
    const as = allAttrs(s);
    if (as.length === 0) return flipChar(s, r);
    const a = r.pick(as);
    return splice(s, a.end, a.end, ` ${a.name}='${r.chance(0.5) ? a.value : r.pick(valuesFor(a.name))}'`);
  },
  'wrong-ns': (s, r) => {
    const ns = allAttrs(s).filter((a) => a.name === 'xmlns' || a.name.startsWith('xmlns:'));
    const value = r.pick(ATTR_VALUES.xmlns ?? ['']);
    if (ns.length > 0) return setValue(s, r.pick(ns), value);
    const ts = tags(s);
    return ts.length === 0 ? s : addAttr(s, r.pick(ts).start, ` xmlns='${value}'`);
  },
};

export const TEXT_MUTATION_NAMES = Object.keys(TEXT_MUTATIONS);

/** Two to four text mutations in a row. */
export function stacked(s: string, r: Rng): string {
  let out = s;
  for (let i = r.range(2, 4); i > 0; i--) out = (TEXT_MUTATIONS[r.pick(TEXT_MUTATION_NAMES)] as TextMutation)(out, r);
  return out;
}
