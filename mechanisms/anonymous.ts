// ANONYMOUS (RFC 4505, XEP-0175): a throw-away account on servers that allow it; no secret involved.
import { type SaslContext, SASLMechanism } from '../src/sasl/mechanism.js';
import { isDomainOnly } from './account.js';

/**
 * SASL ANONYMOUS. Used for a domain-only JID (`example.org`) when nothing was tried before it, or when the
 * application whitelists it by name. A failed EXTERNAL never silently becomes an anonymous session.
 * Set {@link Anonymous.trace} to send trace information (RFC 4505 §2: an e-mail address or a short token).
 */
export class Anonymous extends SASLMechanism {
  /** Optional trace information sent to the server (at most 255 characters). */
  trace = '';

  constructor() {
    super('ANONYMOUS', true, 10);
  }

  override test(ctx: SaslContext): boolean {
    return (isDomainOnly(ctx) && ctx.failedMechanisms.length === 0) || (ctx.whitelisted?.has('ANONYMOUS') ?? false);
  }

  override clientChallenge(): string {
    return [...this.trace].slice(0, 255).join('');
  }

  // Servers that ignore initial responses send an empty challenge instead.
  override onChallenge(): string {
    return this.clientChallenge();
  }

  override get sendsSecret(): boolean {
    return false;
  }
}
