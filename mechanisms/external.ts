// EXTERNAL (RFC 4422 appendix A, XEP-0178): log in with the TLS client certificate the browser presented.
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';

/** SASL EXTERNAL. Only on a real TLS service URL (`wss:`/`https:`): without TLS there is no client certificate. */
export class External extends SASLMechanism {
  constructor() {
    super('EXTERNAL', true, 60);
  }

  override test(ctx: SaslContext): boolean {
    try {
      const { protocol } = new URL(ctx.service);
      return protocol === 'wss:' || protocol === 'https:';
    } catch {
      return false;
    }
  }

  /** The authzid when one was set, else an empty response (`=`): the server takes the identity from the certificate. */
  override clientChallenge(ctx: SaslContext): string {
    return ctx.authzid ?? '';
  }

  // A server that ignored the initial response asks again with an empty challenge; anything else is unexpected.
  override onChallenge(ctx: SaslContext, challenge: Uint8Array): string {
    if (challenge.length > 0) throw new SaslError('unexpected-challenge', 'EXTERNAL does not expect a non-empty challenge');
    return this.clientChallenge(ctx);
  }

  override get sendsSecret(): boolean {
    return false;
  }
}
