// The shape of one stream-feature step, what it may do while negotiating, and how it fails.
import { ConnectionError } from '../errors.js';
import type { StatusCode } from '../status.js';
import type { XmlElement } from '../xml/element.js';

/** How negotiation goes on after a step: the stream restarts (SASL), the next step runs, or the session is up. */
export type StepResult = 'restart' | 'next' | 'online';

/** What the steps of one negotiation decide and share. */
export interface NegotiationState {
  /** SASL succeeded. */
  authenticated: boolean;
  /** The mechanism that logged in. */
  mechanism: string | undefined;
  /** The full JID bound (or taken back by a resume). */
  jid: string | undefined;
  /** A resume request went out on this stream (XEP-0198): binding waits for its answer. */
  resuming: boolean;
  /** The session came back through a resume: nothing was bound anew. */
  resumed: boolean;
}

/** What a step may do while it runs. */
export interface StepContext {
  readonly state: NegotiationState;
  /** Aborted when this negotiation ends (failure, timeout, disconnect, a new attempt). */
  readonly signal: AbortSignal;
  send(el: XmlElement): void;
  /** Sends an IQ and waits for its answer (rejects with an `IqError`). */
  sendIQ(iq: XmlElement): Promise<XmlElement>;
  /** Reports a status (AUTHENTICATING, BINDREQUIRED). */
  status(status: StatusCode, condition?: string): void;
  /** Elements that are not stanzas go to `receive` until the returned function is called; `true` means taken. */
  listen(receive: (el: XmlElement) => boolean): () => void;
  /** SASL succeeded and a restart follows once the outcome is checked (a BOSH transport holds its polls). */
  restartPending(): void;
  /** With `explicitResourceBinding`: resolves with the resource the application passes to `bind()`. */
  bindRequested(): Promise<string | undefined>;
}

/**
 * One stream feature the client negotiates after the stream (re)starts: SASL, resource binding, session, stream
 * management. Steps run in order on each `<stream:features/>`; each acts or passes.
 */
export interface FeatureStep {
  /**
   * Right after a restart, before the new stream's features arrive (XEP-0305 pipelining, where the transport
   * allows it): a step may send what it will need anyway, e.g. the bind request.
   */
  early?(ctx: StepContext): void;
  /** Acts on these features and says how negotiation goes on, or returns `undefined` to pass. */
  negotiate(features: XmlElement, ctx: StepContext): StepResult | undefined | Promise<StepResult | undefined>;
}

/** How a failing step wants the stream to end. */
export interface FailureOptions {
  /** Drop the carrier without another byte (the server failed to prove itself). */
  hangUp?: boolean;
  /** Tell the server it broke the protocol: `<stream:error>` with the condition, then close. */
  streamError?: boolean;
  /** The element that caused it. */
  element?: XmlElement;
  /** The exception behind an `internal-error`, for `onError`. */
  defect?: unknown;
  /** Not the end of the login: the connection logs in again at once on a new stream (a kept session went bad). */
  retry?: boolean;
}

/** A step's failure: the status and condition to report, and how to end the stream. */
export class NegotiationFailure extends ConnectionError {
  readonly how: FailureOptions;
  constructor(status: StatusCode, condition: string, text: string, how: FailureOptions = {}) {
    super(status, condition, text, how.element);
    this.how = how;
  }
}
