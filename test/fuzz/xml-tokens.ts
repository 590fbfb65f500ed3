// Just enough XML tokenizing for structure-aware mutations of (well-formed) server output: tags, texts, the
// element spans they form, and the attributes of a tag. Malformed input gives fewer spans, never an exception.

export interface Token {
  start: number;
  end: number;
  kind: 'open' | 'close' | 'empty' | 'text' | 'other';
  name: string;
}

export interface Span {
  start: number;
  end: number;
  name: string;
  /** End of the start tag (start of the content); equals `end` for an empty-element tag. */
  contentStart: number;
  /** Start of the end tag. */
  contentEnd: number;
}

export interface Attr {
  /** Offsets in the text of the whole ` name='value'`. */
  start: number;
  end: number;
  name: string;
  value: string;
  quote: string;
}

const TOKEN = /<[^>]*>|[^<]+/g;
const TAG_NAME = /^<\/?([^\s/>]*)/;
const ATTR = /\s([^\s=<>/]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g;

export function tokenize(s: string): Token[] {
  const out: Token[] = [];
  for (const m of s.matchAll(TOKEN)) {
    const text = m[0];
    const start = m.index;
    const end = start + text.length;
    if (text[0] !== '<') out.push({ start, end, kind: 'text', name: '' });
    else if (text[1] === '!' || text[1] === '?') out.push({ start, end, kind: 'other', name: '' });
    else {
      const name = TAG_NAME.exec(text)?.[1] ?? '';
      const kind = text[1] === '/' ? 'close' : text.endsWith('/>') ? 'empty' : 'open';
      out.push({ start, end, kind, name });
    }
  }
  return out;
}

/** Every element whose start and end tags match, outermost last. */
export function spans(tokens: readonly Token[]): Span[] {
  const out: Span[] = [];
  const stack: Token[] = [];
  for (const t of tokens) {
    if (t.kind === 'empty') out.push({ start: t.start, end: t.end, name: t.name, contentStart: t.end, contentEnd: t.end });
    else if (t.kind === 'open') stack.push(t);
    else if (t.kind === 'close') {
      // a close tag matches the innermost open one, or one a few levels out (unbalanced input): linear on deep input
      let i = stack.length - 1;
      while (i >= 0 && i >= stack.length - 8 && stack[i]?.name !== t.name) i--;
      if (i < 0 || stack[i]?.name !== t.name) continue;
      const open = stack[i] as Token;
      stack.length = i;
      out.push({ start: open.start, end: t.end, name: t.name, contentStart: open.end, contentEnd: t.start });
    }
  }
  return out;
}

/** The attributes of the tag at [start, end). */
export function attrs(s: string, tag: Pick<Token, 'start' | 'end'>): Attr[] {
  const text = s.slice(tag.start, tag.end);
  const out: Attr[] = [];
  for (const m of text.matchAll(ATTR)) {
    const quoted = m[2] !== undefined;
    out.push({ start: tag.start + m.index, end: tag.start + m.index + m[0].length, name: m[1] as string, value: (quoted ? m[2] : m[3]) ?? '', quote: quoted ? "'" : '"' });
  }
  return out;
}

/** Replaces [start, end) of `s`. */
export const splice = (s: string, start: number, end: number, insert: string): string => s.slice(0, start) + insert + s.slice(end);
