// Resource binding (RFC 6120 §7), with the check that the server bound the account asked for.
import type { IqError } from '../errors.js';
import { JID } from '../jid.js';
import { NS_BIND } from '../ns.js';
import { AUTHFAIL, BINDREQUIRED, CONNFAIL } from '../status.js';
import { $iq } from '../xml/builder.js';
import type { XmlElement } from '../xml/element.js';
import { type FeatureStep, NegotiationFailure, type StepContext, type StepResult } from './step.js';

/** Binds the resource of the requested JID (or the application's, with `explicit`), then checks the identity. */
export class BindStep implements FeatureStep {
  readonly #requested: JID;
  readonly #explicit: boolean;
  /** The bind request sent before the features came (pipelined behind the restart). */
  #early: Promise<XmlElement> | undefined;

  constructor(requested: JID, explicit: boolean) {
    this.#requested = requested;
    this.#explicit = explicit;
  }

  /** Every client-to-server stream offers binding (RFC 6120 §7.2): ask now rather than one round trip later. */
  early(ctx: StepContext): void {
    if (this.#explicit || ctx.state.resuming || !ctx.state.authenticated) return;
    this.#early = this.#request(ctx, this.#requested.resource || undefined);
    this.#early.catch(() => {}); // read in negotiate(); a failure before then is not unhandled
  }

  async negotiate(features: XmlElement, ctx: StepContext): Promise<StepResult | undefined> {
    if (!ctx.state.authenticated || ctx.state.jid) return undefined;
    if (!features.getChild('bind', NS_BIND)) throw new NegotiationFailure(CONNFAIL, 'bind-unavailable', 'no resource binding offered');
    let pending = this.#early;
    this.#early = undefined;
    if (!pending) {
      let resource = this.#requested.resource || undefined;
      if (this.#explicit) {
        const requested = ctx.bindRequested(); // before the status: its callback may call bind() at once
        ctx.status(BINDREQUIRED);
        resource = await requested;
      }
      pending = this.#request(ctx, resource);
    }
    let result: XmlElement;
    try {
      result = await pending;
    } catch (e) {
      const err = e as IqError;
      throw new NegotiationFailure(CONNFAIL, err.condition, `bind: ${err.message}`, { element: err.element });
    }
    ctx.state.jid = this.#check(result);
    return 'next';
  }

  #request(ctx: StepContext, resource: string | undefined): Promise<XmlElement> {
    const iq = $iq({ type: 'set' }).c('bind', { xmlns: NS_BIND });
    if (resource) iq.c('resource').t(resource);
    return ctx.sendIQ(iq.tree());
  }

  /** The bound full JID, when it is the account asked for (for a domain-only JID: an account on that domain). */
  #check(result: XmlElement): string {
    const bound = JID.tryParse(result.getChild('bind', NS_BIND)?.getChildText('jid')?.trim());
    if (!bound?.local || !bound.resource) throw new NegotiationFailure(CONNFAIL, 'bad-bind-result', 'the server bound no valid full JID', { element: result });
    const asked = this.#requested;
    const same = asked.local ? bound.bareEquals(asked) : new JID(bound.local, asked.domain).bareEquals(bound);
    if (!same) throw new NegotiationFailure(AUTHFAIL, 'identity-mismatch', `logged in as ${bound.bare}, not ${asked.bare}`);
    return bound.toString();
  }
}
