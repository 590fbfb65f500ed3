// SCRAM (RFC 5802, RFC 7677): password proof without sending the password, and proof that the server knows it too.
import { fromBase64, toBase64, utf8Decode, utf8Encode } from '../src/sasl/encoding.js';
import { type SaslContext, SASLMechanism, SaslError, type ScramKeys } from '../src/sasl/mechanism.js';
import { saslname } from './account.js';
import { constantTimeEqual } from './crypto/compare.js';
import { randomNonce } from './crypto/random.js';
import { HASH_LENGTH, loadScramCrypto, type ScramCrypto, type ScramHash } from './crypto/scram-crypto.js';
import { saslprep } from './saslprep.js';

/** Options for the SCRAM classes (all optional: the defaults are what production wants). */
export interface ScramOptions {
  /** Hash provider; by default WebCrypto, or the pure-JS fallback where `crypto.subtle` is missing. */
  crypto?: ScramCrypto;
  /** Client nonce source; by default 24 random bytes, base64. */
  nonce?: () => string;
}

/** Where one attempt stands: after client-first, after client-final, or with the server's signature checked. */
type Stage = 'idle' | 'first' | 'final' | 'verified';

interface Attempt {
  stage: Stage;
  gs2Header: string;
  clientNonce: string;
  clientFirstBare: string;
  serverSignature?: Uint8Array;
  keys?: ScramKeys;
}

const enc = utf8Encode;
function fail(condition: string, message: string): never {
  throw new SaslError(condition, message);
}

/**
 * SCRAM with one hash function. Verifies the server's signature (mutual authentication) and never lets a
 * session succeed without it. Hands the derived keys to `ctx.setScramKeys()`, and accepts them back in
 * `ctx.scramKeys` to skip PBKDF2 (and the password) when the server's salt and iteration count are unchanged.
 */
export class Scram extends SASLMechanism {
  /** Iteration counts below this are refused (RFC 5802 recommends at least 4096). */
  minIterations = 4096;
  /** Iteration counts above this are refused, so a hostile server cannot make the client hash for minutes. */
  maxIterations = 10_000_000;
  /** Hash provider; `undefined` picks WebCrypto or the fallback on first use. */
  crypto: ScramCrypto | undefined;
  /** Client nonce source. */
  nonce: () => string;
  #attempt: Attempt = newAttempt();

  constructor(
    name: string,
    readonly hash: ScramHash,
    priority: number,
    options: ScramOptions = {},
  ) {
    super(name, true, priority);
    this.crypto = options.crypto;
    this.nonce = options.nonce ?? (() => randomNonce());
  }

  override test(ctx: SaslContext): boolean {
    return !!ctx.password || ctx.scramKeys?.mechanism === this.name;
  }

  /** The client-first message holds only the name and a nonce. */
  override get secretFreeResponses(): number {
    return 1;
  }

  override onStart(_ctx: SaslContext): void {
    this.#attempt = newAttempt();
  }

  override async clientChallenge(ctx: SaslContext): Promise<string> {
    const a = this.#attempt;
    // Fail before anything is sent when the password cannot be prepared (unless saved keys will stand in for it).
    if (ctx.password && ctx.scramKeys?.mechanism !== this.name) await saslprep(ctx.password);
    a.clientNonce = this.nonce();
    a.gs2Header = ctx.authzid ? `n,a=${saslname(ctx.authzid)},` : 'n,,';
    a.clientFirstBare = `n=${saslname(await saslprep(ctx.authcid))},r=${a.clientNonce}`;
    a.stage = 'first';
    return a.gs2Header + a.clientFirstBare;
  }

  override async onChallenge(ctx: SaslContext, challenge: Uint8Array): Promise<string> {
    const stage = this.#attempt.stage;
    if (stage === 'first') return this.#clientFinal(ctx, decode(challenge, 'scram-bad-server-first'));
    // Some servers (Cyrus-style) send server-final as a challenge and <success/> without data afterwards.
    if (stage === 'final') {
      this.#verify(ctx, decode(challenge, 'scram-bad-server-final'));
      return '';
    }
    return fail('unexpected-challenge', `${this.name}: unexpected challenge`);
  }

  /** Synchronous so that bridges which cannot wait (see `src/bridge/xmppjs.ts`) can still check the server. */
  override onSuccess(ctx: SaslContext, data: Uint8Array | null): void {
    const { stage } = this.#attempt;
    if (stage !== 'final' && stage !== 'verified') fail('scram-unexpected-success', 'early success');
    // once the signature was verified in a challenge (Cyrus-style), success data carries nothing we need:
    // Prosody with Cyrus SASL has been seen to put uninitialized bytes there
    if (stage === 'verified') return;
    if (data && data.length > 0) this.#verify(ctx, decode(data, 'scram-bad-server-final'));
    else fail('scram-missing-verifier', 'no v=');
  }

  async #clientFinal(ctx: SaslContext, serverFirst: string): Promise<string> {
    const a = this.#attempt;
    const attrs = serverFirst.split(',');
    if (attrs[0]?.startsWith('m=')) fail('scram-unsupported-extension', 'm= extension');
    const [r, s, i] = attrs;
    if (!r?.startsWith('r=') || !s?.startsWith('s=') || !i?.startsWith('i=')) fail('scram-bad-server-first', 'malformed');
    const nonce = r.slice(2);
    if (!nonce.startsWith(a.clientNonce) || nonce.length <= a.clientNonce.length) fail('scram-nonce-mismatch', 'nonce not ours');
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) fail('scram-bad-server-first', 'bad nonce');
    const saltB64 = s.slice(2);
    const salt = parseBase64(saltB64, 'scram-bad-server-first', 'invalid salt');
    if (salt.length === 0) fail('scram-bad-server-first', 'empty salt');
    const iterText = i.slice(2);
    if (!/^[1-9][0-9]{0,9}$/.test(iterText)) fail('scram-bad-server-first', 'invalid iteration count');
    const iterations = Number(iterText);
    if (iterations < this.minIterations) fail('scram-iterations-too-low', `i=${iterations} < ${this.minIterations}`);
    if (iterations > this.maxIterations) fail('scram-iterations-too-high', `i=${iterations} > ${this.maxIterations}`);

    const crypto = this.crypto ?? (await loadScramCrypto());
    const { clientKey, serverKey } = await this.#keys(ctx, crypto, salt, iterations);
    const withoutProof = `c=${toBase64(enc(a.gs2Header))},r=${nonce}`;
    const authMessage = enc(`${a.clientFirstBare},${serverFirst},${withoutProof}`);
    // independent steps run side by side: each WebCrypto call is a hop to another thread
    const [clientSignature, serverSignature] = await Promise.all([
      crypto.digest(this.hash, clientKey).then((storedKey) => crypto.hmac(this.hash, storedKey, authMessage)),
      crypto.hmac(this.hash, serverKey, authMessage),
    ]);
    const proof = clientKey.map((b, k) => b ^ (clientSignature[k] as number));
    a.serverSignature = serverSignature;
    a.keys = { mechanism: this.name, salt: saltB64, iterations, clientKey: toBase64(clientKey), serverKey: toBase64(serverKey) };
    a.stage = 'final';
    return `${withoutProof},p=${toBase64(proof)}`;
  }

  /** ClientKey and ServerKey: from matching saved keys when possible, else from the password. */
  async #keys(ctx: SaslContext, crypto: ScramCrypto, salt: Uint8Array, iterations: number) {
    const saved = usableKeys(ctx.scramKeys, this.name, this.hash, salt, iterations);
    if (saved) return saved;
    if (!ctx.password) {
      return fail('scram-keys-stale', 'saved keys do not fit; no password');
    }
    const salted = await crypto.pbkdf2(this.hash, enc(await saslprep(ctx.password)), salt, iterations, ctx.signal);
    const [clientKey, serverKey] = await Promise.all([crypto.hmac(this.hash, salted, enc('Client Key')), crypto.hmac(this.hash, salted, enc('Server Key'))]);
    return { clientKey, serverKey };
  }

  /** Checks a server-final-message (`v=` signature, or `e=` error); on success reports the keys. */
  #verify(ctx: SaslContext, serverFinal: string): void {
    const a = this.#attempt;
    if (serverFinal.startsWith('e=')) {
      // The error value is the server's, not ours; keep only its token characters.
      fail('scram-server-error', `server error: ${serverFinal.slice(2).split(',')[0]?.replace(/[^\w-]/g, '').slice(0, 64)}`);
    }
    if (!serverFinal.startsWith('v=')) fail('scram-missing-verifier', 'no v=');
    const v = parseBase64(serverFinal.slice(2).split(',')[0] as string, 'scram-bad-server-signature', 'invalid server signature');
    if (!a.serverSignature || !constantTimeEqual(v, a.serverSignature)) {
      fail('scram-bad-server-signature', 'wrong server signature');
    }
    a.stage = 'verified';
    if (a.keys) ctx.setScramKeys(a.keys);
  }
}

function newAttempt(): Attempt {
  return { stage: 'idle', gs2Header: '', clientNonce: '', clientFirstBare: '' };
}

function decode(bytes: Uint8Array, condition: string): string {
  try {
    return utf8Decode(bytes);
  } catch {
    return fail(condition, 'not UTF-8');
  }
}

function parseBase64(text: string, condition: string, message: string): Uint8Array {
  try {
    return fromBase64(text);
  } catch {
    return fail(condition, message);
  }
}

/** Saved keys, decoded, when they are for this mechanism, salt and iteration count. */
function usableKeys(keys: ScramKeys | undefined, name: string, hash: ScramHash, salt: Uint8Array, iterations: number) {
  if (!keys || keys.mechanism !== name || keys.iterations !== iterations) return undefined;
  try {
    const clientKey = fromBase64(keys.clientKey);
    const serverKey = fromBase64(keys.serverKey);
    const ok = constantTimeEqual(fromBase64(keys.salt), salt) && clientKey.length === HASH_LENGTH[hash] && serverKey.length === HASH_LENGTH[hash];
    return ok ? { clientKey, serverKey } : undefined;
  } catch {
    return undefined;
  }
}

/** SCRAM-SHA-1 (RFC 5802). */
export class ScramSha1 extends Scram {
  constructor(options?: ScramOptions) {
    super('SCRAM-SHA-1', 'SHA-1', 40, options);
  }
}

/** SCRAM-SHA-256 (RFC 7677). */
export class ScramSha256 extends Scram {
  constructor(options?: ScramOptions) {
    super('SCRAM-SHA-256', 'SHA-256', 45, options);
  }
}

/** SCRAM-SHA-512 (draft-melnikov-scram-sha-512). */
export class ScramSha512 extends Scram {
  constructor(options?: ScramOptions) {
    super('SCRAM-SHA-512', 'SHA-512', 50, options);
  }
}
