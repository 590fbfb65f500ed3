// The SASL step (RFC 6120 §6): runs the negotiator on the offered mechanisms; success restarts the stream.
import { NS_SASL } from '../ns.js';
import type { SaslContext } from '../sasl/mechanism.js';
import { SaslNegotiator } from '../sasl/negotiator.js';
import type { MechanismRegistry } from '../sasl/registry.js';
import { AUTHENTICATING, CONNFAIL, Status } from '../status.js';
import type { XmlElement } from '../xml/element.js';
import { type FeatureStep, NegotiationFailure, type StepContext, type StepResult } from './step.js';

/** What the SASL step needs from the connection: the registry and a context for this attempt. */
export class SaslStep implements FeatureStep {
  readonly #registry: MechanismRegistry;
  readonly #context: () => Omit<SaslContext, 'failedMechanisms' | 'signal'>;

  constructor(registry: MechanismRegistry, context: () => Omit<SaslContext, 'failedMechanisms' | 'signal'>) {
    this.#registry = registry;
    this.#context = context;
  }

  negotiate(features: XmlElement, ctx: StepContext): Promise<StepResult> | undefined {
    if (ctx.state.authenticated) return undefined;
    const mechanisms = features.getChild('mechanisms', NS_SASL);
    if (!mechanisms) throw new NegotiationFailure(CONNFAIL, 'no-auth-mech', 'no SASL mechanisms offered');
    ctx.status(AUTHENTICATING);
    return new Promise((resolve, reject) => {
      const negotiator = new SaslNegotiator(this.#registry, this.#context(), ctx.send, (outcome) => {
        stop();
        if (!outcome.ok) return reject(new NegotiationFailure(Status[outcome.status], outcome.condition, outcome.text, { hangUp: outcome.hangUp }));
        ctx.state.authenticated = true;
        ctx.state.mechanism = outcome.mechanism;
        resolve('restart');
      });
      const stop = ctx.listen((el) => {
        // a poll must not take the restarted stream's features while the outcome is being checked
        if (el.is('success', NS_SASL)) ctx.restartPending();
        return negotiator.receive(el);
      });
      ctx.signal.addEventListener('abort', () => negotiator.cancel(), { once: true });
      negotiator.start(mechanisms.getChildren('mechanism').map((m) => m.text().trim()));
    });
  }
}
