// The typed error of XEP-0257 certificate management: the stanza error condition the server answered with.
import type { XmlElement } from '../public.js';

const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';

/** Which certificate-management request failed. */
export type CertificateOperation = 'list' | 'add' | 'disable' | 'revoke';

/**
 * A certificate-management request failed.
 *
 * `condition` is the RFC 6120 stanza error condition the server answered with (e.g. `bad-request`,
 * `not-acceptable`, `service-unavailable`, `not-authorized`), or, when no error stanza came back,
 * `timeout` / `disconnected` / `not-connected`, or `bad-request` for input rejected before anything was sent.
 * `text` is the server's `<text/>` when it gave one. The certificate itself is never part of the message.
 */
export class CertificateManagementError extends Error {
  override readonly name = 'CertificateManagementError';
  /** The error `type` of the stanza error (`cancel`, `modify`, `auth`, `wait`, `continue`), when there was one. */
  readonly type: string | undefined;

  constructor(
    /** The request that failed. */
    readonly operation: CertificateOperation,
    /** The stanza error condition, or `timeout`, `disconnected`, `not-connected`, `bad-request`, `unexpected-response`. */
    readonly condition: string,
    /** Human-readable explanation (the server's `<text/>` when it sent one). */
    readonly text?: string,
    /** The `type="error"` IQ the server answered with, if any. */
    readonly element?: XmlElement,
  ) {
    super(`XEP-0257 ${operation} failed: ${condition}${text ? ` (${text})` : ''}`);
    this.type = element?.getChild('error')?.getAttribute('type');
  }
}

/** The shape of what `sendIQ` rejects with: an error with a `condition` and maybe the error stanza. */
interface IqFailure {
  condition: string;
  element?: XmlElement;
}

function isIqFailure(e: unknown): e is IqFailure {
  return e instanceof Error && typeof (e as Partial<IqFailure>).condition === 'string';
}

/** Turns a rejected `sendIQ` into a {@link CertificateManagementError}; anything else is passed through. */
export function toCertificateError(operation: CertificateOperation, e: unknown): unknown {
  if (!isIqFailure(e)) return e;
  const error = e.element?.getChild('error');
  const defined = error?.getChildren().find((c) => c.localName !== 'text' && c.getNS() === NS_STANZAS);
  const condition = defined?.localName ?? e.condition;
  const text = error?.getChildText('text', NS_STANZAS) || undefined;
  return new CertificateManagementError(operation, condition, text, e.element);
}
