// OAUTHBEARER (RFC 7628): an OAuth 2 bearer token with the host and port it is meant for.
import { type SaslContext, SASLMechanism, SaslError } from '../src/sasl/mechanism.js';
import { accountJid, saslname, tokenMayTravel } from './account.js';

/** SASL OAUTHBEARER. Only used when a token was given, and like PLAIN only over TLS, loopback or `allowInsecurePasswords`. */
export class OAuthBearer extends SASLMechanism {
  private answeredError = false;

  constructor() {
    super('OAUTHBEARER', true, 35);
  }

  override test(ctx: SaslContext): boolean {
    return tokenMayTravel(ctx);
  }

  override onStart(_ctx: SaslContext): void {
    this.answeredError = false;
  }

  override clientChallenge(ctx: SaslContext): string {
    const token = ctx.token ?? '';
    // kvsep (0x01) or other controls in the token would let it forge key/value pairs.
    if (/[\0-\x20\x7f]/.test(token)) throw new SaslError('oauthbearer-bad-token', 'the token contains control characters or spaces');
    let kv = '';
    try {
      const url = new URL(ctx.service);
      // the scheme's default port when the URL names none (https:, wss: 443; http:, ws: 80)
      const port = url.port || (url.protocol === 'https:' || url.protocol === 'wss:' ? '443' : '80');
      kv = `\x01host=${url.hostname.replace(/^\[|\]$/g, '')}\x01port=${port}`;
    } catch {
      kv = `\x01host=${ctx.domain}`;
    }
    // auth first: RFC 7628 allows any kvpair order, and Prosody's mod_sasl_oauthbearer only accepts it first
    return `n,a=${saslname(ctx.authzid ?? accountJid(ctx))},\x01auth=Bearer ${token}${kv}\x01\x01`;
  }

  /** The server's JSON error (RFC 7628 §3.2.2): answer with a lone kvsep, the server then sends `<failure/>`. */
  override onChallenge(): string {
    if (this.answeredError) throw new SaslError('oauthbearer-unexpected-challenge', 'a second challenge after the error report');
    this.answeredError = true;
    return '\x01';
  }
}
