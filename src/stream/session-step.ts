// The legacy session establishment (RFC 3921 §3): only when the server marks it mandatory.
import { NS_SESSION } from '../ns.js';
import { CONNFAIL } from '../status.js';
import { $iq } from '../xml/builder.js';
import type { XmlElement } from '../xml/element.js';
import type { IqError } from '../errors.js';
import { type FeatureStep, NegotiationFailure, type StepContext, type StepResult } from './step.js';

/** Sends the session request after binding when the features ask for it without `<optional/>`. */
export const sessionStep: FeatureStep = {
  async negotiate(features: XmlElement, ctx: StepContext): Promise<StepResult | undefined> {
    const session = features.getChild('session', NS_SESSION);
    if (!ctx.state.jid || ctx.state.resumed || !session || session.getChild('optional')) return undefined;
    try {
      await ctx.sendIQ($iq({ type: 'set' }).c('session', { xmlns: NS_SESSION }).tree());
    } catch (e) {
      const err = e as IqError;
      throw new NegotiationFailure(CONNFAIL, err.condition, `session: ${err.message}`, { element: err.element });
    }
    return 'next';
  },
};
