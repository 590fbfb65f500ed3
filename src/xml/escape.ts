// Escaping for XML text and attribute values, and the check for characters XML 1.0 forbids.

/** Thrown when text or an attribute value holds a character that XML 1.0 cannot carry. */
export class XmlCharacterError extends TypeError {
  override readonly name = 'XmlCharacterError';
}

// XML 1.0 Char production: tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF (as valid surrogate pairs).
export const INVALID_XML_CHAR =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Returns the string unchanged, or throws {@link XmlCharacterError} naming the offending code point. */
export function assertXmlChars(value: string): string {
  const m = INVALID_XML_CHAR.exec(value);
  if (m) {
    throw new XmlCharacterError(`U+${m[0].charCodeAt(0).toString(16).toUpperCase()} at ${m.index} is not an XML character`);
  }
  return value;
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
