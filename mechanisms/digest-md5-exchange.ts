// The DIGEST-MD5 exchange (RFC 2831): loaded by ./digest-md5.ts on the first challenge, so that apps whose
// servers offer something better never download MD5, the directive parser or the rspauth check. It imports
// nothing the core also uses (a shared import would split the core into one more chunk), so it throws plain
// errors carrying a `condition`, which ./digest-md5.ts turns into SaslErrors.
import type { SaslContext } from '../src/sasl/mechanism.js';
import { md5 } from './crypto/md5.js';

const NC = '00000001';
/** RFC 2831 §2.1.1: a digest-challenge is at most 2048 bytes. */
const MAX_CHALLENGE = 2048;

const utf8 = new TextEncoder();

function fail(condition: string, message: string): never {
  throw Object.assign(new Error(message), { condition });
}

/** Constant-time equality of two strings of the same alphabet (here: lowercase hex digests). */
function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const md5Hex = (s: string): string => hex(md5(utf8.encode(s)));
const quote = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/** RFC 2831 §2.1.2.1: user name, realm and password are hashed as ISO 8859-1 when they fit in it, else as UTF-8. */
function hashInput(s: string): Uint8Array {
  return /^[\0-\xff]*$/.test(s) ? Uint8Array.from(s, (c) => c.charCodeAt(0)) : utf8.encode(s);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Parses `key=value, key="quoted \" value"` directives; `realm` may repeat, nothing else may. */
function parseDirectives(data: Uint8Array): Map<string, string[]> {
  if (data.length > MAX_CHALLENGE) fail('digest-bad-challenge', 'challenge longer than 2048 bytes');
  let text = '';
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    fail('digest-bad-challenge', 'challenge is not UTF-8');
  }
  const out = new Map<string, string[]>();
  const re = /[\s,]*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\[\s\S])*)"|([^\s",]*))\s*(?:,|$)/y;
  while (re.lastIndex < text.length && !/^[\s,]*$/.test(text.slice(re.lastIndex))) {
    const m = re.exec(text);
    if (!m) fail('digest-bad-challenge', 'malformed challenge');
    const key = (m[1] as string).toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\([\s\S])/g, '$1') : (m[3] as string);
    const list = out.get(key) ?? [];
    if (list.length > 0 && key !== 'realm') fail('digest-bad-challenge', `repeated directive ${key}`);
    list.push(value);
    out.set(key, list);
  }
  return out;
}

/** One DIGEST-MD5 attempt: answers the digest-challenge, then verifies the server's rspauth. */
export class DigestMd5Exchange {
  #expectedRspauth: string | undefined;
  #verified = false;

  constructor(
    private readonly service: string,
    private readonly cnonce: () => string,
  ) {}

  challenge(ctx: SaslContext, data: Uint8Array): string {
    const d = parseDirectives(data);
    if (this.#expectedRspauth === undefined) return this.#respond(ctx, d);
    if (this.#verified) fail('unexpected-challenge', 'DIGEST-MD5: unexpected challenge after rspauth');
    this.#checkRspauth(d);
    return '';
  }

  /** Some servers put rspauth in `<success/>` instead of a second challenge. */
  success(data: Uint8Array | null): void {
    // rspauth already verified in a challenge: the success data is not needed (Prosody with Cyrus SASL has
    // been seen to fill it with uninitialized bytes)
    if (this.#verified) return;
    if (!data || data.length === 0) fail('digest-missing-rspauth', 'the server did not prove it knows the password (no rspauth)');
    this.#checkRspauth(parseDirectives(data));
  }

  #checkRspauth(d: Map<string, string[]>): void {
    const got = d.get('rspauth')?.[0];
    if (got === undefined || this.#expectedRspauth === undefined) fail('digest-missing-rspauth', 'the server did not send rspauth');
    if (!sameText(got.toLowerCase(), this.#expectedRspauth)) fail('digest-bad-rspauth', 'wrong rspauth: the server does not know the password');
    this.#verified = true;
  }

  #respond(ctx: SaslContext, d: Map<string, string[]>): string {
    const nonce = d.get('nonce')?.[0];
    if (!nonce) fail('digest-bad-challenge', 'challenge without nonce');
    if (d.get('algorithm')?.[0] !== 'md5-sess') fail('digest-bad-challenge', 'challenge without algorithm=md5-sess');
    const qops = (d.get('qop')?.[0] ?? 'auth').split(',').map((q) => q.trim());
    if (!qops.includes('auth')) fail('digest-bad-challenge', 'the server does not offer qop=auth');
    const realms = d.get('realm') ?? [];
    const realm = realms.includes(ctx.domain) ? ctx.domain : (realms[0] ?? '');
    const charsetUtf8 = d.get('charset')?.[0]?.toLowerCase() === 'utf-8';
    const { authcid, authzid } = ctx;
    const cnonce = this.cnonce();
    const uri = `${this.service}/${ctx.domain}`;

    const a1 = concat(md5(hashInput(`${authcid}:${realm}:${ctx.password ?? ''}`)), utf8.encode(`:${nonce}:${cnonce}${authzid ? `:${authzid}` : ''}`));
    const ha1 = hex(md5(a1));
    const kd = (a2: string) => md5Hex(`${ha1}:${nonce}:${NC}:${cnonce}:auth:${md5Hex(a2)}`);
    this.#expectedRspauth = kd(`:${uri}`);

    const parts = [
      charsetUtf8 ? 'charset=utf-8' : '',
      `username=${quote(authcid)}`,
      realm ? `realm=${quote(realm)}` : '',
      `nonce=${quote(nonce)}`,
      `nc=${NC}`,
      `cnonce=${quote(cnonce)}`,
      `digest-uri=${quote(uri)}`,
      `response=${kd(`AUTHENTICATE:${uri}`)}`,
      'qop=auth',
      authzid ? `authzid=${quote(authzid)}` : '',
    ];
    return parts.filter(Boolean).join(',');
  }
}
