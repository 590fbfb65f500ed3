// The redaction of raw text for the rawInput debug hook, loaded on demand (src/log.ts, withRawRedaction): most
// apps set no raw hook. It imports nothing at run time, so that esbuild keeps it out of the up-front chunk.

/** What replaces a secret: the same text as log.ts's REDACTED (importing it would load log.ts with this chunk). */
const REDACTED = '[redacted]';

/** Local names of the elements whose raw content is hidden whole: SASL and SASL2 elements that may carry a secret, and FAST's token. */
const RAW_SECRET_ELEMENTS = new Set([
  'auth',
  'authenticate',
  'initial-response',
  'response',
  'challenge',
  'success',
  'additional-data',
  'continue',
  'next',
  'task-data',
  'token',
]);

/**
 * Raw text safe to show in a debug hook: the content of every element named like a SASL element (with any prefix)
 * is replaced, from its start tag to its matching end tag or, unterminated, to the end of the text; so is every
 * `token` attribute value. It works on text that may not even parse (a malformed frame, a whole BOSH body), so it
 * goes by names alone and fails closed: it may hide an unrelated element of the same name. The text may come from
 * a hostile server: one pass, each character looked at a bounded number of times.
 */
export function redactRaw(text: string): string {
  let out = '';
  let done = 0; // text before this is in `out`
  const hide = (from: number, to: number): void => {
    if (to > from) {
      out += text.slice(done, from) + REDACTED;
      done = to;
    }
  };
  for (let lt = text.indexOf('<'); lt >= 0; ) {
    const nameEnd = nameEndAt(text, lt + 1);
    const name = text.slice(lt + 1, nameEnd);
    if (name === '' || '/!?'.includes(name[0] as string)) {
      lt = text.indexOf('<', lt + 1);
      continue;
    }
    const tagEnd = startTagEnd(text, nameEnd, hide);
    if (RAW_SECRET_ELEMENTS.has(name.slice(name.lastIndexOf(':') + 1).toLowerCase()) && !text.startsWith('/>', tagEnd - 2)) {
      const contentEnd = secretContentEnd(text, tagEnd, name);
      hide(tagEnd, contentEnd);
      lt = contentEnd;
    } else lt = tagEnd;
    lt = text.indexOf('<', lt);
  }
  return out + text.slice(done);
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\t' || c === '\r';

// Runs of one class of characters, matched from a position (sticky): a single class, nothing to backtrack.
const NAME_RUN = /[^\s/<>="']*/y;
const VALUE_RUNS: Record<string, RegExp> = { '"': /[^"<]*/y, "'": /[^'<]*/y, '': /[^\s<>]*/y };
const TOKEN_RUNS: Record<string, RegExp> = { '"': /[^"]*/y, "'": /[^']*/y, '': /[^\s>]*/y };

/** Where the run of `run` from `from` ends. */
function runEnd(run: RegExp, text: string, from: number): number {
  run.lastIndex = from;
  run.test(text);
  return run.lastIndex;
}

/** Where the name at `from` ends: at whitespace, "/", ">", "<", "=", a quote or the end. */
const nameEndAt = (text: string, from: number): number => runEnd(NAME_RUN, text, from);

/**
 * Where the start tag whose attributes begin at `from` ends: after its ">", or at a "<" that cuts it short, or at
 * the end. Passes the value of each `token` attribute (unterminated: to where the tag stops) to `hide`.
 */
function startTagEnd(text: string, from: number, hide: (from: number, to: number) => void): number {
  let attribute = '';
  let i = from;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '>') return i + 1;
    if (c === '<') return i;
    if (isSpace(c) || c === '/') i++;
    else if (c !== '=') {
      const end = Math.max(nameEndAt(text, i), i + 1); // a stray quote is skipped
      attribute = text.slice(i, end);
      i = end;
    } else {
      i++;
      while (isSpace(text[i])) i++;
      const quote = text[i] === '"' || text[i] === "'" ? (text[i] as string) : '';
      const start = quote ? i + 1 : i;
      const token = attribute.slice(attribute.lastIndexOf(':') + 1).toLowerCase() === 'token';
      // a "<" ends any other value: nothing after it is taken for an attribute, so no element hides in one
      const end = runEnd((token ? TOKEN_RUNS : VALUE_RUNS)[quote] as RegExp, text, start);
      if (token) hide(start, end);
      attribute = '';
      i = quote && text[end] === quote ? end + 1 : end;
    }
  }
  return i;
}

/**
 * Where the content of the element `name`, starting at `from`, ends: at the "<" of its matching end tag, or at the
 * end of the text. Comments, PIs, CDATA sections and quoted values are skipped whole, so no end tag is seen in one;
 * anything unterminated runs to the end.
 */
function secretContentEnd(text: string, from: number, name: string): number {
  let depth = 0;
  let lt = text.indexOf('<', from);
  while (lt >= 0) {
    let next: number;
    if (text.startsWith('<![CDATA[', lt)) next = after(text, ']]>', lt + 9);
    else if (text.startsWith('<!--', lt)) next = after(text, '-->', lt + 4);
    else if (text.startsWith('<?', lt)) next = after(text, '?>', lt + 2);
    else if (text.startsWith('<!', lt)) next = after(text, '>', lt + 2);
    else if (text[lt + 1] === '/') {
      const nameEnd = nameEndAt(text, lt + 2);
      if (text.slice(lt + 2, nameEnd) === name && depth-- === 0) return lt;
      next = nameEnd;
    } else {
      const nameEnd = nameEndAt(text, lt + 1);
      next = skipTag(text, nameEnd);
      if (text.slice(lt + 1, nameEnd) === name && text[next - 2] !== '/') depth++;
    }
    lt = text.indexOf('<', next);
  }
  return text.length;
}

/** The index after `end` found from `from`, or the length of `text`. */
function after(text: string, end: string, from: number): number {
  const at = text.indexOf(end, from);
  return at < 0 ? text.length : at + end.length;
}

/** The index after the ">" that ends the tag whose attributes begin at `from`, quoted values skipped whole. */
function skipTag(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '>') return i + 1;
    if (c === '"' || c === "'") i = after(text, c, i + 1) - 1;
  }
  return text.length;
}
