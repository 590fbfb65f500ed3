// Human-readable explanations of BOSH terminal binding conditions (XEP-0124 §17.2) and failures.

const TERMINATE: Readonly<Record<string, string>> = {
  'bad-request': 'the server could not read a request (bad format or missing attributes)',
  'host-gone': 'the domain is no longer served by this server',
  'host-unknown': 'the server does not serve this domain',
  'improper-addressing': 'the session request did not name a domain this server serves',
  'internal-server-error': 'the connection manager had an internal error',
  'item-not-found': 'the server does not know this BOSH session (it expired or was terminated)',
  'other-request': 'another request from this session made the server end it',
  'policy-violation': 'the server refused a request (too many or too frequent requests, or a body too large)',
  'remote-connection-failed': 'the connection manager could not reach the XMPP server',
  'remote-stream-error': 'the XMPP server ended the stream with an error',
  'see-other-uri': 'the server asks to connect to another URL',
  'system-shutdown': 'the server is shutting down',
  'undefined-condition': 'the server ended the session without saying why',
};

/** The text reported for a `type="terminate"` body with this condition. */
export function terminateText(condition: string): string {
  const why = Object.hasOwn(TERMINATE, condition) ? TERMINATE[condition] : 'the server ended the session';
  return `BOSH session terminated (${condition}): ${why}`;
}

/** Origin and path of a URL: what may appear in messages (a query string could carry a token). */
export function safeUrl(service: string): string {
  try {
    const u = new URL(service);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the BOSH URL';
  }
}

/** Why session creation failed when the endpoint could not be reached at all. */
export function unreachableText(service: string, detail: string): string {
  return (
    `could not reach the BOSH endpoint ${safeUrl(service)} (${detail}): the server may be down or the URL wrong, ` +
    'the server may not allow this origin (CORS), its TLS certificate may not be trusted, or it refused the client certificate (unknown issuer, expired)'
  );
}
