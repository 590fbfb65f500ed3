// The DIGEST-MD5 exchange (RFC 2831): loaded by ./digest-md5.ts on the first challenge, so that apps whose
// servers offer something better never download MD5 and the directive parser.
import { utf8Decode, utf8Encode } from '../src/sasl/encoding.js';
import { type SaslContext, SaslError } from '../src/sasl/mechanism.js';
import { constantTimeEqual } from './crypto/compare.js';
import { md5 } from './crypto/md5.js';

const NC = '00000001';
/** RFC 2831 §2.1.1: a digest-challenge is at most 2048 bytes. */
const MAX_CHALLENGE = 2048;

function fail(condition: string, message: string): never {
  throw new SaslError(condition, message);
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const md5Hex = (s: string): string => hex(md5(utf8Encode(s)));
const quote = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

/** RFC 2831 §2.1.2.1: user name, realm and password are hashed as ISO 8859-1 when they fit in it, else as UTF-8. */
function hashInput(s: string): Uint8Array {
  return /^[\0-\xff]*$/.test(s) ? Uint8Array.from(s, (c) => c.charCodeAt(0)) : utf8Encode(s);
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** Parses `key=value, key="quoted \" value"` directives; `realm` may repeat, nothing else may. */
function parseDirectives(data: Uint8Array): Map<string, string[]> {
  if (data.length > MAX_CHALLENGE) fail('digest-bad-challenge', 'challenge longer than 2048 bytes');
  let text: string;
  try {
    text = utf8Decode(data);
  } catch {
    return fail('digest-bad-challenge', 'challenge is not UTF-8');
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
  private expectedRspauth: string | undefined;
  private verified = false;

  constructor(
    private readonly service: string,
    private readonly cnonce: () => string,
  ) {}

  onChallenge(ctx: SaslContext, challenge: Uint8Array): string {
    const d = parseDirectives(challenge);
    if (this.expectedRspauth === undefined) return this.respond(ctx, d);
    if (this.verified) fail('unexpected-challenge', 'DIGEST-MD5: unexpected challenge after rspauth');
    this.checkRspauth(d);
    return '';
  }

  /** Some servers put rspauth in `<success/>` instead of a second challenge. */
  onSuccess(data: Uint8Array | null): void {
    // rspauth already verified in a challenge: the success data is not needed (Prosody with Cyrus SASL has
    // been seen to fill it with uninitialized bytes)
    if (this.verified) return;
    if (data && data.length > 0) this.checkRspauth(parseDirectives(data));
    else fail('digest-missing-rspauth', 'the server did not prove it knows the password (no rspauth)');
  }

  private checkRspauth(d: Map<string, string[]>): void {
    const got = d.get('rspauth')?.[0];
    if (got === undefined || this.expectedRspauth === undefined) fail('digest-missing-rspauth', 'the server did not send rspauth');
    if (!constantTimeEqual(utf8Encode(got.toLowerCase()), utf8Encode(this.expectedRspauth))) {
      fail('digest-bad-rspauth', 'wrong rspauth: the server does not know the password');
    }
    this.verified = true;
  }

  private respond(ctx: SaslContext, d: Map<string, string[]>): string {
    const nonce = d.get('nonce')?.[0];
    if (!nonce) fail('digest-bad-challenge', 'challenge without nonce');
    if (d.get('algorithm')?.[0] !== 'md5-sess') fail('digest-bad-challenge', 'challenge without algorithm=md5-sess');
    const qops = (d.get('qop')?.[0] ?? 'auth').split(',').map((q) => q.trim());
    if (!qops.includes('auth')) fail('digest-bad-challenge', 'the server does not offer qop=auth');
    const realms = d.get('realm') ?? [];
    const realm = realms.includes(ctx.domain) ? ctx.domain : (realms[0] ?? '');
    const utf8 = d.get('charset')?.[0]?.toLowerCase() === 'utf-8';
    const cnonce = this.cnonce();
    const uri = `${this.service}/${ctx.domain}`;
    const authzid = ctx.authzid;

    const a1 = concat(
      md5(hashInput(`${ctx.authcid}:${realm}:${ctx.password ?? ''}`)),
      utf8Encode(`:${nonce}:${cnonce}${authzid ? `:${authzid}` : ''}`),
    );
    const ha1 = hex(md5(a1));
    const kd = (a2: string) => md5Hex(`${ha1}:${nonce}:${NC}:${cnonce}:auth:${md5Hex(a2)}`);
    this.expectedRspauth = kd(`:${uri}`);

    const parts = [
      utf8 ? 'charset=utf-8' : '',
      `username=${quote(ctx.authcid)}`,
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
