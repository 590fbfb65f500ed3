// JID parsing, validation and comparison (RFC 7622) and XEP-0106 escaping of local parts.

/** Thrown for a string that is not a JID. */
export class JIDError extends TypeError {
  override readonly name = 'JIDError';
}

// RFC 7622 §3: each part is at most 1023 bytes of UTF-8; a DNS label at most 63.
const MAX_PART_BYTES = 1023;
const MAX_LABEL_BYTES = 63;
// Controls, lone surrogates and noncharacters cannot be sent in any part.
const RESOURCE_FORBIDDEN = /[\p{Cc}\p{Cs}\p{NChar}]/u;
const LOCAL_FORBIDDEN = /[\s"&'/:<>@\p{Cc}\p{Cs}\p{NChar}]/u;
// `:?#%[]\` would also change what a URL parser reads as the host name, which comparisons rely on.
const DOMAIN_FORBIDDEN = /[\s"&'/:<>@\\?#%[\]\p{Cc}\p{Cs}\p{NChar}]/u;
const IPV6_LITERAL = /^\[[\da-f:.]+\]$/i;
// The dots IDNA treats as label separators.
const LABEL_SEPARATOR = /[.\u3002\uFF0E\uFF61]/;

const utf8Bytes = (s: string): number => new TextEncoder().encode(s).length;

/** Quotes a value for an error message, with controls escaped and cut short so that a huge input is not echoed back. */
function quote(s: string): string {
  const json = JSON.stringify(s);
  return json.length > 66 ? `${json.slice(0, 65)}…"` : json;
}

const invalid = (part: string, value: string, why: string): JIDError => new JIDError(`invalid ${part} ${quote(value)}: ${why}`);

function checkPart(part: string, value: string, forbidden: RegExp, hint = ''): void {
  if (utf8Bytes(value) > MAX_PART_BYTES) throw invalid(part, value, `over ${MAX_PART_BYTES} bytes`);
  if (forbidden.test(value)) throw invalid(part, value, `forbidden character${hint}`);
}

/** The host name a URL parser makes of `domain`: IDNA A-labels, lower case; undefined when it refuses it. */
function urlHostname(domain: string): string | undefined {
  try {
    return new URL(`http://${domain}`).hostname;
  } catch {
    return undefined;
  }
}

function checkDomain(domain: string): void {
  if (domain.startsWith('[')) {
    if (!IPV6_LITERAL.test(domain) || !urlHostname(domain)) throw invalid('domain', domain, 'not an IPv6 address');
    return;
  }
  checkPart('domain', domain, DOMAIN_FORBIDDEN);
  // DNS limits the A-label ("xn--…"), which may be shorter than the UTF-8 of the label it encodes
  const labels = (urlHostname(domain) ?? domain).split(LABEL_SEPARATOR);
  if (labels.some((label) => !label || utf8Bytes(label) > MAX_LABEL_BYTES)) throw invalid('domain', domain, `empty label or one over ${MAX_LABEL_BYTES} bytes`);
}

/**
 * The local part to compare. RFC 7622 §3.3 applies PRECIS UsernameCaseMapped (RFC 8265 §3.3): width mapping, then
 * Unicode toLowerCase, then NFC. NFKC stands in for the width mapping and also maps what that profile refuses
 * (ligatures such as "ﬁ"), as nodeprep (RFC 3920), which servers such as Prosody still apply, does; so does "ß" to
 * "ss", nodeprep's one full case folding a username meets. No upper-casing: it would take the dotless "ı" to "i",
 * another account under both.
 */
const comparableLocal = (local: string): string => local.normalize('NFKC').toLowerCase().replace(/ß/g, 'ss').normalize('NFC');

const ASCII = /^[\u0000-\u007F]*$/;

/**
 * A domain label to compare: ASCII in lower case; any other as its IDNA A-label, made by the URL parser from the
 * label alone with an ASCII label after it, so that no label is read as part of an IPv4 address ("127.1", "0x7f").
 */
function comparableLabel(label: string): string {
  if (ASCII.test(label)) return label.toLowerCase();
  return urlHostname(`${label}.x`)?.slice(0, -2) ?? label.toLowerCase().normalize('NFC');
}

/** The domain to compare: IPv6 literals in their canonical form, others label by label. */
function comparableDomain(domain: string): string {
  if (domain.startsWith('[')) return urlHostname(domain) ?? domain;
  return domain.split(LABEL_SEPARATOR).map(comparableLabel).join('.');
}

/**
 * An immutable JID: `local@domain/resource`, validated against RFC 7622. The domain is kept in lower
 * case without a trailing dot; the local part and the resource are kept as given.
 */
export class JID {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;

  /** @throws {@link JIDError} when a part is not allowed by RFC 7622. */
  constructor(local: string, domain: string, resource = '') {
    // checked after dropping the trailing dot: "user@." has no domain
    const normalized = domain.toLowerCase().replace(/\.$/, '');
    checkDomain(normalized);
    checkPart('local part', local, LOCAL_FORBIDDEN, ' (see escapeNode)');
    checkPart('resource', resource, RESOURCE_FORBIDDEN);
    this.local = local;
    this.domain = normalized;
    this.resource = resource;
  }

  /** Parses `local@domain/resource`; throws {@link JIDError} when it is not a JID. */
  static parse(jid: string): JID {
    const slash = jid.indexOf('/');
    const resource = slash < 0 ? '' : jid.slice(slash + 1);
    const bare = slash < 0 ? jid : jid.slice(0, slash);
    const at = bare.indexOf('@');
    if (slash >= 0 && !resource) throw invalid('resource', '', 'empty');
    if (at === 0) throw invalid('local part', '', 'empty');
    return new JID(at < 0 ? '' : bare.slice(0, at), at < 0 ? bare : bare.slice(at + 1), resource);
  }

  /** Like {@link JID.parse}, but gives `undefined` instead of throwing (for untrusted input such as `from`). */
  static tryParse(jid: string | null | undefined): JID | undefined {
    if (typeof jid !== 'string') return undefined;
    try {
      return JID.parse(jid);
    } catch {
      return undefined;
    }
  }

  /** `local@domain` (or `domain`). */
  get bare(): string {
    return this.local ? `${this.local}@${this.domain}` : this.domain;
  }

  /** The bare JID as a JID. */
  toBare(): JID {
    return this.resource ? new JID(this.local, this.domain) : this;
  }

  /**
   * True when both name the same account or server, as RFC 7622 §3 compares them: local parts by the
   * PRECIS UsernameCaseMapped profile, domains by their IDNA A-labels (no IPv4 address reinterpreted).
   */
  bareEquals(other: JID): boolean {
    return comparableDomain(this.domain) === comparableDomain(other.domain) && (this.local === other.local || comparableLocal(this.local) === comparableLocal(other.local));
  }

  /** True when {@link JID.bareEquals} holds and the resources are identical (resources are case-sensitive). */
  equals(other: JID): boolean {
    return this.resource === other.resource && this.bareEquals(other);
  }

  /** `local@domain/resource`, leaving out the parts that are absent. */
  toString(): string {
    return this.resource ? `${this.bare}/${this.resource}` : this.bare;
  }
}

/** Bare part of a JID string (`local@domain`). */
export const getBareJid = (jid: string): string => (jid.includes('/') ? jid.slice(0, jid.indexOf('/')) : jid);
/** Domain of a JID string. */
export const getDomain = (jid: string): string => {
  const bare = getBareJid(jid);
  return bare.slice(bare.indexOf('@') + 1);
};
/** Local part of a JID string, or `''`. */
export const getNode = (jid: string): string => {
  const bare = getBareJid(jid);
  return bare.includes('@') ? bare.slice(0, bare.indexOf('@')) : '';
};
/** Resource of a JID string, or `''`. */
export const getResource = (jid: string): string => (jid.includes('/') ? jid.slice(jid.indexOf('/') + 1) : '');

const ESCAPES: Record<string, string> = {
  '\\': '\\5c',
  ' ': '\\20',
  '"': '\\22',
  '&': '\\26',
  "'": '\\27',
  '/': '\\2f',
  ':': '\\3a',
  '<': '\\3c',
  '>': '\\3e',
  '@': '\\40',
};
// A backslash is escaped only where it would otherwise start an escape sequence, as the XEP requires.
const ESCAPE_RE = /[ "&'/:<>@]|\\(?=20|22|26|27|2f|3a|3c|3e|40|5c)/gi;
const UNESCAPE_RE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/gi;

/** XEP-0106 escaping of a local part; leading and trailing whitespace is dropped, as a local part cannot hold it. */
export function escapeNode(node: string): string {
  // trim(), not a /^\s+|\s+$/ replace: that one is quadratic on a long inner run of spaces
  return node.trim().replace(ESCAPE_RE, (c) => ESCAPES[c] as string);
}

/** Reverses {@link escapeNode}. */
export function unescapeNode(node: string): string {
  return node.replace(UNESCAPE_RE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
