// PLAIN (RFC 4616): the password in clear inside TLS; the simplest mechanism and the last resort.
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';
import { authzidToSend, passwordMayTravel } from './account.js';

/** SASL PLAIN. Only offered over TLS (or loopback) unless `allowInsecurePasswords` is set. */
export class Plain extends SASLMechanism {
  constructor() {
    super('PLAIN', true, 20);
  }

  override test(ctx: SaslContext): boolean {
    return passwordMayTravel(ctx);
  }

  override clientChallenge(ctx: SaslContext): string {
    const authzid = authzidToSend(ctx) ?? '';
    const password = ctx.password ?? '';
    // A NUL inside a field would shift the fields the server reads.
    if ([authzid, ctx.authcid, password].some((f) => f.includes('\0'))) {
      throw new SaslError('plain-bad-credentials', 'NUL in identity or password');
    }
    return `${authzid}\0${ctx.authcid}\0${password}`;
  }

  override onSuccess(_ctx: SaslContext, data: Uint8Array | null): void {
    if (data && data.length > 0) throw new SaslError('plain-unexpected-data', 'success with data');
  }
}
