// JID parsing and formatting (RFC 7622 shape) and XEP-0106 escaping of local parts.

/** Thrown for a string that is not a JID. */
export class JIDError extends TypeError {
  override readonly name = 'JIDError';
}

/** An immutable JID: `local@domain/resource`. */
export class JID {
  readonly local: string;
  readonly domain: string;
  readonly resource: string;

  constructor(local: string, domain: string, resource = '') {
    // checked after dropping the trailing dot: "user@." has no domain
    const normalized = domain.toLowerCase().replace(/\.$/, '');
    if (!normalized) throw new JIDError('a JID needs a domain');
    if (/[@/\s]/.test(domain)) throw new JIDError(`invalid domain "${domain}"`);
    if (/[@/"&'<>:\s]/.test(local)) throw new JIDError(`invalid local part "${local}" (see escapeNode)`);
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
    if (slash >= 0 && !resource) throw new JIDError(`empty resource in "${jid}"`);
    if (at === 0) throw new JIDError(`empty local part in "${jid}"`);
    return new JID(at < 0 ? '' : bare.slice(0, at), at < 0 ? bare : bare.slice(at + 1), resource);
  }

  /** `local@domain` (or `domain`). */
  get bare(): string {
    return this.local ? `${this.local}@${this.domain}` : this.domain;
  }

  /** The bare JID as a JID. */
  toBare(): JID {
    return this.resource ? new JID(this.local, this.domain) : this;
  }

  /** True when both have the same bare part (local part compared case-insensitively, as servers nodeprep it). */
  bareEquals(other: JID): boolean {
    return this.domain === other.domain && this.local.toLowerCase() === other.local.toLowerCase();
  }

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

const ESCAPES: [string, string][] = [
  ['\\', '\\5c'],
  [' ', '\\20'],
  ['"', '\\22'],
  ['&', '\\26'],
  ["'", '\\27'],
  ['/', '\\2f'],
  [':', '\\3a'],
  ['<', '\\3c'],
  ['>', '\\3e'],
  ['@', '\\40'],
];
const ESCAPE_RE = /[\\ "&'/:<>@]/g;
const UNESCAPE_RE = /\\(20|22|26|27|2f|3a|3c|3e|40|5c)/gi;

/**
 * XEP-0106 escaping of a local part. A backslash is escaped only where it would otherwise start an
 * escape sequence, as the XEP requires.
 */
export function escapeNode(node: string): string {
  return node
    .replace(/^\s+|\s+$/g, '')
    .replace(ESCAPE_RE, (c, offset: number, whole: string) => {
      if (c === '\\' && !UNESCAPE_TEST.test(whole.slice(offset, offset + 3))) return c;
      return ESCAPES.find(([raw]) => raw === c)?.[1] ?? c;
    });
}
const UNESCAPE_TEST = /^\\(20|22|26|27|2f|3a|3c|3e|40|5c)$/i;

/** Reverses {@link escapeNode}. */
export function unescapeNode(node: string): string {
  return node.replace(UNESCAPE_RE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
