// A minimal PLAIN written the way an application writes a custom mechanism, for tests that need a login.
import { type SaslContext, SASLMechanism } from '../../src/sasl/mechanism.js';

export class TestPlain extends SASLMechanism {
  constructor() {
    super('PLAIN', true, 20);
  }
  override test(ctx: SaslContext) {
    return ctx.password !== undefined;
  }
  override clientChallenge(ctx: SaslContext) {
    return `\0${ctx.authcid}\0${ctx.password}`;
  }
}
