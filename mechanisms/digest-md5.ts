// DIGEST-MD5 (RFC 2831, historic per RFC 6331): kept for old servers; verifies the server's rspauth.
import { utf8Encode } from '../src/sasl/encoding.js';
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';
import { passwordMayTravel } from './account.js';
import { constantTimeEqual } from './crypto/compare.js';
import { randomNonce } from './crypto/random.js';

/** Options for {@link DigestMd5} (defaults are what XMPP wants). */
export interface DigestMd5Options {
  /** Client nonce source; by default 24 random bytes, base64. */
  cnonce?: () => string;
  /** Service part of `digest-uri`: `xmpp` (RFC 6120); other protocols register their own name. */
  service?: string;
}

type Computation = typeof import('./digest-md5-exchange.js');

function fail(condition: string, message: string): never {
  throw new SaslError(condition, message);
}

/**
 * SASL DIGEST-MD5 (server-first). Needs a password and a secure transport (or `allowInsecurePasswords`).
 * The computation (MD5, directive parsing) is fetched with `import()` when the server's first challenge comes.
 */
export class DigestMd5 extends SASLMechanism {
  /** Client nonce source. */
  cnonce: () => string;
  /** Service part of `digest-uri`. */
  service: string;
  #computation: Computation | undefined;
  #expectedRspauth: string | undefined;
  #verified = false;

  constructor(options: DigestMd5Options = {}) {
    super('DIGEST-MD5', false, 30);
    this.cnonce = options.cnonce ?? (() => randomNonce());
    this.service = options.service ?? 'xmpp';
  }

  override test(ctx: SaslContext): boolean {
    return passwordMayTravel(ctx);
  }

  override onStart(_ctx: SaslContext): void {
    this.#expectedRspauth = undefined;
    this.#verified = false;
  }

  override async onChallenge(ctx: SaslContext, challenge: Uint8Array): Promise<string> {
    const computation = (this.#computation ??= await import('./digest-md5-exchange.js'));
    if (this.#expectedRspauth === undefined) {
      const input = { ...ctx, password: ctx.password ?? '', authzid: ctx.authzid, service: this.service, cnonce: this.cnonce() };
      const { response, rspauth } = readChallenge(() => computation.digestResponse(challenge, input));
      this.#expectedRspauth = rspauth;
      return response;
    }
    if (this.#verified) fail('unexpected-challenge', 'DIGEST-MD5: unexpected challenge after rspauth');
    this.#checkRspauth(readChallenge(() => computation.parseDirectives(challenge)));
    return '';
  }

  /** Some servers put rspauth in `<success/>` instead of a second challenge. */
  override onSuccess(_ctx: SaslContext, data: Uint8Array | null): void {
    // rspauth already verified in a challenge: the success data is not needed (Prosody with Cyrus SASL has
    // been seen to fill it with uninitialized bytes)
    if (this.#verified) return;
    const computation = this.#computation;
    if (!computation || !data || data.length === 0) fail('digest-missing-rspauth', 'the server did not prove it knows the password (no rspauth)');
    this.#checkRspauth(readChallenge(() => computation.parseDirectives(data)));
  }

  #checkRspauth(d: Map<string, string[]>): void {
    const got = d.get('rspauth')?.[0];
    if (got === undefined || this.#expectedRspauth === undefined) fail('digest-missing-rspauth', 'the server did not send rspauth');
    if (!constantTimeEqual(utf8Encode(got.toLowerCase()), utf8Encode(this.#expectedRspauth))) {
      fail('digest-bad-rspauth', 'wrong rspauth: the server does not know the password');
    }
    this.#verified = true;
  }
}

/** Runs a step of the lazily loaded computation; whatever it throws is a challenge it could not read. */
function readChallenge<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    return fail('digest-bad-challenge', e instanceof TypeError ? 'challenge is not UTF-8' : (e as Error).message);
  }
}
