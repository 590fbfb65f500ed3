// Server sides of SCRAM-SHA-1 (RFC 5802) and DIGEST-MD5 (RFC 2831) on node:crypto, so that the unmutated baseline
// of a case logs in for real and the mutations land in a live exchange. Keys are derived once: cases stay cheap.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import type { ScramKeys } from '../../src/sasl/mechanism.js';

export const USER = 'user';
export const PASSWORD = 'pw';
export const DOMAIN = 'example.org';

const SALT = Buffer.from('fuzz-salt-0001');
const ITERATIONS = 4096;
let keys: { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } | undefined;

function scramKeys(): { clientKey: Buffer; storedKey: Buffer; serverKey: Buffer } {
  if (!keys) {
    const salted = pbkdf2Sync(PASSWORD, SALT, ITERATIONS, 20, 'sha1');
    const clientKey = createHmac('sha1', salted).update('Client Key').digest();
    keys = { clientKey, storedKey: createHash('sha1').update(clientKey).digest(), serverKey: createHmac('sha1', salted).update('Server Key').digest() };
  }
  return keys;
}

/** The keys a client kept from an earlier SCRAM-SHA-1 login here (`connect(jid, { scramKeys })` skips PBKDF2). */
export function clientScramKeys(): ScramKeys {
  const { clientKey, serverKey } = scramKeys();
  return { mechanism: 'SCRAM-SHA-1', salt: SALT.toString('base64'), iterations: ITERATIONS, clientKey: clientKey.toString('base64'), serverKey: serverKey.toString('base64') };
}

/** One SCRAM-SHA-1 exchange: `first()` answers the client-first message, `final()` checks the proof. */
export class ScramServer {
  #clientFirstBare = '';
  #serverFirst = '';

  first(clientFirst: string): string {
    this.#clientFirstBare = clientFirst.replace(/^[^,]*,[^,]*,/, '');
    const cnonce = /(?:^|,)r=([^,]*)/.exec(this.#clientFirstBare)?.[1] ?? '';
    this.#serverFirst = `r=${cnonce}${randomBytes(6).toString('hex')},s=${SALT.toString('base64')},i=${ITERATIONS}`;
    return this.#serverFirst;
  }

  /** `v=...` when the proof is right, `undefined` when not. */
  final(clientFinal: string): string | undefined {
    const { storedKey, serverKey } = scramKeys();
    const withoutProof = clientFinal.replace(/,p=[^,]*$/, '');
    const proof = Buffer.from(/,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '', 'base64');
    const authMessage = `${this.#clientFirstBare},${this.#serverFirst},${withoutProof}`;
    const signature = createHmac('sha1', storedKey).update(authMessage).digest();
    if (proof.length !== signature.length) return undefined;
    const clientKey = Buffer.from(proof.map((b, i) => b ^ (signature[i] as number)));
    if (!createHash('sha1').update(clientKey).digest().equals(storedKey)) return undefined;
    return `v=${createHmac('sha1', serverKey).update(authMessage).digest('base64')}`;
  }
}

const md5 = (data: string | Buffer): Buffer => createHash('md5').update(data).digest();
const md5Hex = (data: string): string => md5(data).toString('hex');

/** One DIGEST-MD5 exchange: a digest-challenge, then `rspauth` for a right response. */
export class DigestServer {
  readonly #nonce = randomBytes(8).toString('hex');

  challenge(): string {
    return `realm="${DOMAIN}",nonce="${this.#nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`;
  }

  /** `rspauth=...` when the response proves the password, `undefined` when not. */
  verify(response: string): string | undefined {
    const d = new Map<string, string>();
    for (const m of response.matchAll(/([\w-]+)=(?:"((?:[^"\\]|\\.)*)"|([^,]*))/g)) d.set(m[1] as string, m[2] ?? m[3] ?? '');
    const cnonce = d.get('cnonce') ?? '';
    const nc = d.get('nc') ?? '';
    const uri = d.get('digest-uri') ?? '';
    if (d.get('nonce') !== this.#nonce || d.get('username') !== USER) return undefined;
    const authzid = d.get('authzid');
    const a1 = Buffer.concat([md5(`${USER}:${d.get('realm') ?? ''}:${PASSWORD}`), Buffer.from(`:${this.#nonce}:${cnonce}${authzid ? `:${authzid}` : ''}`)]);
    const ha1 = md5(a1).toString('hex');
    const kd = (a2: string) => md5Hex(`${ha1}:${this.#nonce}:${nc}:${cnonce}:auth:${md5Hex(a2)}`);
    if (d.get('response') !== kd(`AUTHENTICATE:${uri}`)) return undefined;
    return `rspauth=${kd(`:${uri}`)}`;
  }
}
