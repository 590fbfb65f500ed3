// A custom SASL mechanism in TypeScript: PLAIN's wire format, registered under its own priority.
import { SASLMechanism, type SaslContext } from '../../src/index.js';

/**
 * Sends `\0authcid\0password` like PLAIN (RFC 4616), but only over a secure carrier and with a
 * priority above every built-in mechanism, so an application can force it.
 */
export class PlainLike extends SASLMechanism {
  constructor() {
    super('PLAIN', true, 99);
  }

  override test(ctx: SaslContext): boolean {
    return ctx.password !== undefined && ctx.secure;
  }

  override async clientChallenge(ctx: SaslContext): Promise<string> {
    // steps may be async: a real mechanism might fetch a one-time token here
    return `\0${ctx.authcid}\0${ctx.password}`;
  }

  override onSuccess(_ctx: SaslContext, data: Uint8Array | null): void {
    if (data && data.length > 0) throw new Error('PLAIN success must not carry data');
  }
}
