// Runs the feature steps on each <stream:features/> of one stream, in order, until the session is up.
import { errorText } from '../errors.js';
import { NS_BIND, NS_STREAMS } from '../ns.js';
import { CONNFAIL, type StatusCode } from '../status.js';
import type { XmlElement } from '../xml/element.js';
import { type FeatureStep, NegotiationFailure, type NegotiationState, type StepContext } from './step.js';

/** What the connection lends a negotiation. */
export interface NegotiationHost {
  send(el: XmlElement): void;
  sendIQ(iq: XmlElement): Promise<XmlElement>;
  status(status: StatusCode, condition?: string): void;
  /** Restarts the stream (RFC 6120 §6.4.6). */
  restart(): void;
  /** Stanzas may follow a restart at once (WebSocket), and the application allows it. */
  readonly pipelining: boolean;
  restartPending(): void;
  /** Stops waiting for the answer to this IQ of the negotiation's (it was cancelled: no step reads it). */
  forgetIQ?(id: string): void;
}

/** How a negotiation ended. */
export type NegotiationOutcome = { ok: true; state: NegotiationState; held: XmlElement[] } | { ok: false; failure: NegotiationFailure };

/**
 * One stream's negotiation. Features go to {@link Negotiation.features}, other non-stanza elements to
 * {@link Negotiation.receive}; `finish` hears the outcome once.
 */
export class Negotiation {
  readonly state: NegotiationState = { authenticated: false, mechanism: undefined, jid: undefined, resuming: false, resumed: false };
  readonly #steps: readonly FeatureStep[];
  readonly #host: NegotiationHost;
  readonly #finish: (outcome: NegotiationOutcome) => void;
  readonly #abort = new AbortController();
  readonly #listeners = new Set<(el: XmlElement) => boolean>();
  /** Ids of the IQs the steps sent: a cancelled negotiation leaves none waiting for its timeout. */
  readonly #iqs = new Set<string>();
  #bindWaiter: ((resource: string | undefined) => void) | undefined;
  /**
   * Elements of the session that arrived before it was online (a BOSH body carries `<resumed/>` or the bind
   * result and what follows together, while the step that ends the negotiation is still finishing): they are
   * dispatched, in order, once online.
   */
  readonly #held: XmlElement[] = [];
  #running = false;
  #done = false;

  constructor(steps: readonly FeatureStep[], host: NegotiationHost, finish: (outcome: NegotiationOutcome) => void) {
    this.#steps = steps;
    this.#host = host;
    this.#finish = finish;
  }

  /** True while BINDREQUIRED waits for the application's `bind()`. */
  get awaitingBind(): boolean {
    return this.#bindWaiter !== undefined;
  }

  /** The application's `bind(resource)` after BINDREQUIRED. */
  bind(resource: string | undefined): void {
    const waiter = this.#bindWaiter;
    this.#bindWaiter = undefined;
    waiter?.(resource);
  }

  /** A `<stream:features/>` of this stream (the first, or one after a restart). */
  features(features: XmlElement): void {
    if (this.#done) return;
    if (this.#running) return this.#end({ ok: false, failure: new NegotiationFailure(CONNFAIL, 'bad-format', 'features while negotiating', { streamError: true }) });
    this.#running = true;
    this.#run(features).then(
      () => {
        this.#running = false;
      },
      (e: unknown) => this.#end({ ok: false, failure: asFailure(e) }),
    );
  }

  /**
   * After `<resumed/>` everything belongs to the session that came back, IQ answers too: held for once it is
   * online (check before the IQ tracker).
   */
  holdResumed(el: XmlElement): boolean {
    if (this.#done || !this.state.resumed) return false;
    this.#held.push(el);
    return true;
  }

  /**
   * An element that is neither a stanza answer nor features: the running step may take it; after authentication
   * what no step takes is the session's, held for once it is online.
   */
  receive(el: XmlElement): boolean {
    for (const listener of this.#listeners) if (listener(el)) return true;
    if (this.#done || !this.state.authenticated) return false;
    this.#held.push(el);
    return true;
  }

  /** Stops without reporting; steps see their signal abort. */
  cancel(): void {
    this.#done = true;
    this.#abort.abort();
    this.#listeners.clear();
    this.#bindWaiter = undefined;
    for (const id of this.#iqs) this.#host.forgetIQ?.(id);
    this.#iqs.clear();
  }

  async #run(features: XmlElement): Promise<void> {
    const ctx = this.#context();
    for (const step of this.#steps) {
      const result = await step.negotiate(features, ctx);
      if (this.#done) return;
      if (result === 'restart') return this.#restart(ctx);
      if (result === 'online') return this.#end({ ok: true, state: this.state, held: this.#held });
    }
    if (!this.state.jid) {
      const offered = features.getChild('bind', NS_BIND) ? 'binding offered but not done' : 'no resource binding offered';
      throw new NegotiationFailure(CONNFAIL, 'bind-unavailable', offered);
    }
    this.#end({ ok: true, state: this.state, held: this.#held });
  }

  #restart(ctx: StepContext): void {
    this.#host.restart();
    if (!this.#host.pipelining) return;
    for (const step of this.#steps) step.early?.(ctx);
  }

  #context(): StepContext {
    const host = this.#host;
    return {
      state: this.state,
      signal: this.#abort.signal,
      send: (el) => host.send(el),
      sendIQ: (iq) => {
        const answer = host.sendIQ(iq);
        if (iq.attrs.id) this.#iqs.add(iq.attrs.id);
        return answer;
      },
      status: (status, condition) => host.status(status, condition),
      restartPending: () => host.restartPending(),
      listen: (receive) => {
        this.#listeners.add(receive);
        return () => this.#listeners.delete(receive);
      },
      bindRequested: () => new Promise((resolve) => (this.#bindWaiter = resolve)),
    };
  }

  #end(outcome: NegotiationOutcome): void {
    if (this.#done) return;
    this.cancel();
    this.#finish(outcome);
  }
}

/** Any exception from a step as a failure: its own, or `internal-error` for a defect. */
function asFailure(e: unknown): NegotiationFailure {
  if (e instanceof NegotiationFailure) return e;
  return new NegotiationFailure(CONNFAIL, 'internal-error', errorText(e), { hangUp: true, defect: e });
}

/** True for `<stream:features/>`. */
export const isFeatures = (el: XmlElement): boolean => el.localName === 'features' && el.getNS() === NS_STREAMS;
