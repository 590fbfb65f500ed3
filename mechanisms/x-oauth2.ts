// X-OAUTH2 (Google Talk / ejabberd): an OAuth 2 access token in PLAIN's layout.
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';
import { tokenMayTravel } from './account.js';

/** X-OAUTH2: `\0authcid\0token`. Only used when a token was given, and like PLAIN only over TLS, loopback or `allowInsecurePasswords`. */
export class XOAuth2 extends SASLMechanism {
  constructor() {
    super('X-OAUTH2', true, 25);
  }

  override test(ctx: SaslContext): boolean {
    return tokenMayTravel(ctx);
  }

  override clientChallenge(ctx: SaslContext): string {
    const token = ctx.token ?? '';
    if (token.includes('\0') || ctx.authcid.includes('\0')) throw new SaslError('xoauth2-bad-token', 'the identity or token contains a NUL character');
    return `\0${ctx.authcid}\0${token}`;
  }
}
