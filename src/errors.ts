// Typed errors: what a failed connect() rejects with, and what sendIQ() rejects with.
import { NS_STANZAS } from './ns.js';
import { type StatusCode, statusName } from './status.js';
import type { XmlElement } from './xml/element.js';

/**
 * Why a connection attempt failed or ended: the status reported (`CONNFAIL`, `AUTHFAIL`, ...),
 * a machine-readable `condition` (RFC 6120/7395/XEP-0124 names, or antistrophe's own) and readable `text`.
 */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  constructor(
    readonly status: StatusCode,
    readonly condition: string,
    readonly text: string = condition,
    readonly element?: XmlElement,
  ) {
    super(`${statusName(status)} ${condition}${text && text !== condition ? `: ${text}` : ''}`);
  }
}

/**
 * An IQ answered with `type="error"` (`element` is the error stanza), or ended without an answer: `condition`
 * `timeout` (none in time), `disconnected` (the stream ended), `not-connected` (not sent: no stream), or
 * `duplicate-id` (not sent: an IQ with the same id still waits for its answer).
 */
export class IqError extends Error {
  override readonly name = 'IqError';
  /** The RFC 6120 stanza error condition (e.g. `item-not-found`), or why no answer came (`timeout`, ...). */
  readonly condition: string;
  constructor(
    readonly element: XmlElement | undefined,
    condition?: string,
  ) {
    const err = element?.getChild('error');
    const cond =
      condition ?? err?.getChildren().find((c) => c.localName !== 'text' && c.getNS() === NS_STANZAS)?.localName ?? 'undefined-condition';
    const text = err?.getChildText('text', NS_STANZAS);
    super(element ? `IQ error: ${cond}${text ? ` (${text})` : ''}` : `IQ ${cond}`);
    this.condition = cond;
  }
}

/** The message of a thrown value, for an error text (anything may be thrown, not only Errors). */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
