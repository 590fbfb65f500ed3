// The DIGEST-MD5 computation (RFC 2831): loaded by ./digest-md5.ts on the first challenge, so that apps whose
// servers offer something better never download MD5 and the directive parser. It imports nothing the core
// also uses (a shared import would split the core into one more chunk); every error it throws is a
// malformed challenge, which ./digest-md5.ts reports as `digest-bad-challenge`.
import { md5 } from './crypto/md5.js';

const NC = '00000001';
/** RFC 2831 §2.1.1: a digest-challenge is at most 2048 bytes. */
const MAX_CHALLENGE = 2048;

const utf8 = new TextEncoder();
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
export function parseDirectives(data: Uint8Array): Map<string, string[]> {
  if (data.length > MAX_CHALLENGE) throw new Error('challenge longer than 2048 bytes');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(data); // throws on invalid UTF-8
  const out = new Map<string, string[]>();
  const re = /[\s,]*([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\[\s\S])*)"|([^\s",]*))\s*(?:,|$)/y;
  while (re.lastIndex < text.length && !/^[\s,]*$/.test(text.slice(re.lastIndex))) {
    const m = re.exec(text);
    if (!m) throw new Error('malformed challenge');
    const key = (m[1] as string).toLowerCase();
    const value = m[2] !== undefined ? m[2].replace(/\\([\s\S])/g, '$1') : (m[3] as string);
    const list = out.get(key) ?? [];
    if (list.length > 0 && key !== 'realm') throw new Error(`repeated directive ${key}`);
    list.push(value);
    out.set(key, list);
  }
  return out;
}

/** What the response to a digest-challenge needs to know. */
export interface DigestInput {
  authcid: string;
  password: string;
  domain: string;
  authzid: string | undefined;
  service: string;
  cnonce: string;
}

/** The digest-response to send, and the rspauth a server that knows the password will answer with. */
export function digestResponse(challenge: Uint8Array, input: DigestInput): { response: string; rspauth: string } {
  const d = parseDirectives(challenge);
  const nonce = d.get('nonce')?.[0];
  if (!nonce) throw new Error('challenge without nonce');
  if (d.get('algorithm')?.[0] !== 'md5-sess') throw new Error('challenge without algorithm=md5-sess');
  const qops = (d.get('qop')?.[0] ?? 'auth').split(',').map((q) => q.trim());
  if (!qops.includes('auth')) throw new Error('the server does not offer qop=auth');
  const realms = d.get('realm') ?? [];
  const realm = realms.includes(input.domain) ? input.domain : (realms[0] ?? '');
  const charsetUtf8 = d.get('charset')?.[0]?.toLowerCase() === 'utf-8';
  const { authcid, authzid, cnonce } = input;
  const uri = `${input.service}/${input.domain}`;

  const a1 = concat(md5(hashInput(`${authcid}:${realm}:${input.password}`)), utf8.encode(`:${nonce}:${cnonce}${authzid ? `:${authzid}` : ''}`));
  const ha1 = hex(md5(a1));
  const kd = (a2: string) => md5Hex(`${ha1}:${nonce}:${NC}:${cnonce}:auth:${md5Hex(a2)}`);

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
  return { response: parts.filter(Boolean).join(','), rspauth: kd(`:${uri}`) };
}
