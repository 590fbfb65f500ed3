// Escaping for XML text and attribute values, and the checks for characters XML 1.0 forbids and for names.
import { NAME } from './parser.js';

/** Thrown when text or an attribute value holds a character that XML 1.0 cannot carry. */
export class XmlCharacterError extends TypeError {
  override readonly name = 'XmlCharacterError';
}

/**
 * Thrown when an element or attribute name is not an XML name (with at most one colon, as in `xml:lang` or
 * `xmlns:p`): serialized, it could end the tag early and inject markup.
 */
export class XmlNameError extends TypeError {
  override readonly name = 'XmlNameError';
}

// XML 1.0 Char production: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF (as valid surrogate pairs).
// This finds what is outside it, and every surrogate, which invalidXmlCharAt then lets pass when it is paired.
const FORBIDDEN_OR_SURROGATE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/g;

/** Index of the first character XML 1.0 forbids in `s` (an unpaired surrogate included), or -1. */
export function invalidXmlCharAt(s: string): number {
  FORBIDDEN_OR_SURROGATE.lastIndex = 0;
  while (FORBIDDEN_OR_SURROGATE.test(s)) {
    const at = FORBIDDEN_OR_SURROGATE.lastIndex - 1;
    const c = s.charCodeAt(at);
    const next = s.charCodeAt(at + 1);
    // a pair is skipped whole, so a low surrogate found here has no high one before it
    if (!(c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff)) return at;
    FORBIDDEN_OR_SURROGATE.lastIndex = at + 2;
  }
  return -1;
}

/** How messages name a UTF-16 code unit: `U+0007`. */
export const charLabel = (code: number): string => `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;

/** Returns the string unchanged, or throws {@link XmlCharacterError} naming the offending code point. */
export function assertXmlChars(value: string): string {
  const at = invalidXmlCharAt(value);
  if (at >= 0) throw new XmlCharacterError(`${charLabel(value.charCodeAt(at))} at ${at} is not an XML character`);
  return value;
}

/** True for an ASCII XML name with at most one colon (what nearly every stanza uses): one pass, no regex. */
function isAsciiName(name: string): boolean {
  let colon = false;
  let start = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
    if (start) {
      if (!letter) return false;
      start = false;
    } else if (c === 58 && !colon) {
      colon = start = true;
    } else if (!letter && !(c >= 48 && c <= 57) && c !== 45 && c !== 46) return false;
  }
  return !start;
}

/** Returns the name unchanged, or throws {@link XmlNameError} when it is not an element or attribute name. */
export function assertXmlName(name: string): string {
  if (isAsciiName(name)) return name;
  if (!NAME.test(name)) throw new XmlNameError(`${JSON.stringify(name)} is not an XML name`);
  return name;
}

// Literal CR (and in attributes tab and LF) would not survive parsing: XML reads line ends as LF and
// normalizes attribute whitespace to spaces, so these go out as character references.
const TEXT_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};
const TEXT_RE = /[&<>\r]/g;
const TEXT_TEST = /[&<>\r]/;
const ATTR_RE = /[&<>"'\t\n\r]/g;
const ATTR_TEST = /[&<>"'\t\n\r]/;
const replaceEscape = (c: string): string => TEXT_ESCAPES[c] as string;

/** Escapes `&`, `<`, `>` (and CR, as `&#13;`) for element text. */
export function escapeText(value: string): string {
  return TEXT_TEST.test(value) ? value.replace(TEXT_RE, replaceEscape) : value;
}

/** Escapes `&`, `<`, `>`, `"`, `'` (and tab, LF, CR as character references) for attribute values. */
export function escapeAttr(value: string): string {
  return ATTR_TEST.test(value) ? value.replace(ATTR_RE, replaceEscape) : value;
}
