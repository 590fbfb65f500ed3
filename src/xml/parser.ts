// The backend-neutral stream parser interface: chunks in, stream events out, typed errors.
import { ConnectionError, errorText } from '../errors.js';
import { ERROR } from '../status.js';
import type { XmlElement } from './element.js';

/** Why a stream was refused: malformed XML, XML that XMPP restricts (RFC 6120 §11.1), or a stanza over the size limit. */
export type XmlErrorCondition = 'bad-format' | 'restricted-xml' | 'policy-violation';

/** A parse failure. The parser stops at the first one; nothing is thrown into the caller. */
export class XmlParseError extends Error {
  override readonly name = 'XmlParseError';
  constructor(
    readonly condition: XmlErrorCondition,
    message: string,
  ) {
    super(message);
  }
}

// The XML grammar every backend checks against, in one place so that they refuse the same input.
// XML 1.0 (fifth edition) §2.3 NameStartChar and NameChar, the colon aside. U+10000-U+EFFFF as surrogate pairs:
// no "u" flag, and a lone surrogate matches nothing. The alternatives never overlap, so nothing backtracks.
const START_CHARS = 'A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const ASTRAL = '|[\\uD800-\\uDB7F][\\uDC00-\\uDFFF]';
const NAME_START = `(?:[${START_CHARS}]${ASTRAL})`;
const NAME_CHAR = `(?:[${START_CHARS}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F\\u2040]${ASTRAL})`;
const NC_NAME = NAME_START + NAME_CHAR + '*';
/** Element and attribute names: XML names with at most one colon, not first or last (namespace-well-formed). */
export const NAME = new RegExp(`^${NC_NAME}(?::${NC_NAME})?$`);
/** A well-formed entity name, colons allowed (for telling an undeclared entity from a bare "&"). */
export const ENTITY_NAME = new RegExp(`^(?::|${NAME_START})(?::|${NAME_CHAR})*$`);
/** The five predefined entities; XMPP allows no others. */
export const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Receives stream events from a parser. */
export interface XmlParserHandler {
  /** The stream root opened (stream mode only): its qualified name and attributes. */
  onStreamStart(name: string, attrs: Record<string, string>): void;
  /** A complete top-level element (a child of the stream root, or a whole frame in fragment mode). */
  onElement(element: XmlElement): void;
  /** The stream root closed (stream mode only). */
  onStreamEnd(): void;
  /** The input was refused; no further events follow until `reset()`. */
  onError(error: XmlParseError): void;
}

export interface XmlParserOptions {
  /** Largest top-level element accepted, in characters; default 1 MiB. */
  maxStanzaSize?: number;
  /**
   * Deepest element nesting accepted within a top-level element (a stanza, or a frame in fragment mode; the
   * stream root does not count): `1` allows only childless elements. Deeper input fails with `policy-violation`.
   * Default {@link DEFAULT_MAX_DEPTH}; a value above {@link HARD_MAX_DEPTH} is lowered to it.
   */
  maxDepth?: number;
  /**
   * Fragment mode (RFC 7395 framing): every top-level element is emitted whole and there is no stream root.
   * Stream mode (default): the first element is the root; its children are emitted.
   */
  fragment?: boolean;
}

/** A streaming XML parser. Chunks may be split anywhere: mid-tag, mid-entity, mid-character. */
export interface XmlParser {
  write(chunk: string | Uint8Array): void;
  /** True when no top-level element is partly read (a whole frame has been consumed). */
  readonly idle: boolean;
  /** Forgets all state so a new stream can begin. */
  reset(): void;
}

/** Creates a parser; passed as `options.parser` to select a backend. */
export type XmlParserFactory = (handler: XmlParserHandler, options?: XmlParserOptions) => XmlParser;

/**
 * Makes a parser with `factory` and checks that it is one (`write` and `reset` functions): the application's own
 * factory may be the wrong function, e.g. the sax-wasm loader rather than the factory it resolves to.
 * @throws {@link ConnectionError} status ERROR, condition `invalid-option`
 */
export function makeParser(factory: XmlParserFactory, handler: XmlParserHandler, options: XmlParserOptions): XmlParser {
  let parser: unknown;
  try {
    parser = factory(handler, options);
  } catch (e) {
    throw new ConnectionError(ERROR, 'invalid-option', `parser: the factory threw (${errorText(e)})`);
  }
  const p = parser as Partial<Record<'write' | 'reset' | 'then', unknown>> | null | undefined;
  if (typeof p?.write === 'function' && typeof p.reset === 'function') return parser as XmlParser;
  if (typeof p?.then === 'function') {
    (parser as Promise<unknown>).then(undefined, () => {}); // its failure is not the application's to handle now
    throw new ConnectionError(ERROR, 'invalid-option', 'parser: the factory returned a Promise (await it first)');
  }
  throw new ConnectionError(ERROR, 'invalid-option', 'parser: the factory returned no parser');
}

export const DEFAULT_MAX_STANZA_SIZE = 1024 * 1024;

/** Default {@link XmlParserOptions.maxDepth}: far deeper than any XMPP payload nests. */
export const DEFAULT_MAX_DEPTH = 256;

/**
 * The largest {@link XmlParserOptions.maxDepth} honoured; a larger value is lowered to this. It bounds the depth of
 * every parsed tree, so that code walking one recursively has a known worst case (the tree's own methods are iterative).
 */
export const HARD_MAX_DEPTH = 10_000;

/** The depth limit a parser applies for these options: the default when unset, clamped to `[1, HARD_MAX_DEPTH]`. */
export function maxDepthOf(options: XmlParserOptions): number {
  const depth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  if (Number.isNaN(depth)) return DEFAULT_MAX_DEPTH;
  return Math.min(Math.max(Math.floor(depth), 1), HARD_MAX_DEPTH);
}
