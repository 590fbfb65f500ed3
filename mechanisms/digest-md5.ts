// DIGEST-MD5 (RFC 2831, historic per RFC 6331): kept for old servers; verifies the server's rspauth.
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';
import { passwordMayTravel } from './account.js';
import { randomNonce } from './crypto/random.js';
import type { DigestMd5Exchange } from './digest-md5-exchange.js';

/** Options for {@link DigestMd5} (defaults are what XMPP wants). */
export interface DigestMd5Options {
  /** Client nonce source; by default 24 random bytes, base64. */
  cnonce?: () => string;
  /** Service part of `digest-uri`: `xmpp` (RFC 6120); other protocols register their own name. */
  service?: string;
}

/**
 * SASL DIGEST-MD5 (server-first). Needs a password and a secure transport (or `allowInsecurePasswords`).
 * The exchange itself (MD5, directive parsing, the rspauth check) is fetched with `import()` when the server's
 * first challenge comes.
 */
export class DigestMd5 extends SASLMechanism {
  /** Client nonce source. */
  cnonce: () => string;
  /** Service part of `digest-uri`. */
  service: string;
  #exchange: DigestMd5Exchange | undefined;
  /** Counts attempts, so that a module load that ends after a new attempt began does not leave the old state. */
  #attempt = 0;

  constructor(options: DigestMd5Options = {}) {
    super('DIGEST-MD5', false, 30);
    this.cnonce = options.cnonce ?? (() => randomNonce());
    this.service = options.service ?? 'xmpp';
  }

  override test(ctx: SaslContext): boolean {
    return passwordMayTravel(ctx);
  }

  override onStart(_ctx: SaslContext): void {
    this.#exchange = undefined;
    this.#attempt++;
  }

  override async onChallenge(ctx: SaslContext, challenge: Uint8Array): Promise<string> {
    let exchange = this.#exchange;
    if (!exchange) {
      const attempt = this.#attempt;
      const { DigestMd5Exchange } = await import('./digest-md5-exchange.js');
      if (attempt !== this.#attempt) throw new SaslError('digest-superseded', 'superseded');
      exchange = this.#exchange = new DigestMd5Exchange(this.service, this.cnonce);
    }
    return saslStep(() => exchange.challenge(ctx, challenge));
  }

  override onSuccess(_ctx: SaslContext, data: Uint8Array | null): void {
    const exchange = this.#exchange;
    // a success before any challenge: nothing proved that the server knows the password
    if (!exchange) throw new SaslError('digest-missing-rspauth', 'the server did not prove it knows the password (no rspauth)');
    saslStep(() => exchange.success(data));
  }
}

/** Runs a step of the lazily loaded exchange, turning its errors into SaslErrors with their condition. */
function saslStep<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw new SaslError((e as { condition?: string }).condition ?? 'digest-bad-challenge', (e as Error).message);
  }
}
