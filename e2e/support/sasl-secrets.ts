// The SASL payloads found in wire text, and every secret-bearing piece of them that must never show up in a
// debug hook, a log, storage or an error.

export interface SaslPayload {
  element: 'auth' | 'response' | 'challenge' | 'success';
  /** The base64 text as sent. */
  base64: string;
  /** Its decoded form (UTF-8, lossy for binary). */
  decoded: string;
}

export interface Secret {
  what: string;
  value: string;
}

// the payload text of an element named like a SASL one, with or without a prefix
const SASL_ELEMENT = /<(?:[\w.-]+:)?(auth|response|challenge|success)\b[^>]*(?<!\/)>([^<]*)</g;
const CLIENT_ELEMENTS = new Set(['auth', 'response']);

/** Every non-empty SASL payload in `texts` (`=` is the empty one). */
export function saslPayloads(texts: readonly string[]): SaslPayload[] {
  const out: SaslPayload[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(SASL_ELEMENT)) {
      const base64 = (m[2] ?? '').trim();
      if (base64 === '' || base64 === '=') continue;
      out.push({ element: m[1] as SaslPayload['element'], base64, decoded: Buffer.from(base64, 'base64').toString('utf8') });
    }
  }
  return out;
}

/** The mechanism of every `<auth/>` in `texts`, payload or not. */
export function saslAuths(texts: readonly string[]): string[] {
  return texts.flatMap((t) => [...t.matchAll(/<(?:[\w.-]+:)?auth\b[^>]*\bmechanism=["']([^"']+)["']/g)].map((m) => m[1] as string));
}

/** A `key=value` of a SCRAM or DIGEST-MD5 message (DIGEST-MD5 values may be quoted). */
function fields(decoded: string, key: string): string[] {
  const re = new RegExp(`(?:^|,)${key}="?([^",]+)"?`, 'g');
  return [...decoded.matchAll(re)].map((m) => m[1] as string);
}

/**
 * What must stay secret: each payload's base64, the decoded printable client messages, SCRAM proofs (`p=`) and server
 * signatures (`v=`), DIGEST-MD5 `response=` and `rspauth=`, and each credential in clear and in base64.
 */
export function secretsOf(payloads: readonly SaslPayload[], credentials: readonly string[]): Secret[] {
  const out: Secret[] = [];
  const add = (what: string, value: string) => {
    if (value.length >= 4 && !out.some((s) => s.value === value)) out.push({ what, value });
  };
  for (const p of payloads) {
    add(`<${p.element}> payload`, p.base64);
    // whole printable client messages (SCRAM, DIGEST-MD5); PLAIN-like ones hold the user name, which is no
    // secret, and the credential, which is checked on its own
    if (CLIENT_ELEMENTS.has(p.element) && !/[\0-\x1f]/.test(p.decoded)) add(`decoded <${p.element}>`, p.decoded);
    for (const v of fields(p.decoded, 'p')) add('SCRAM client proof p=', v);
    for (const v of fields(p.decoded, 'v')) add('SCRAM server signature v=', v);
    for (const v of fields(p.decoded, 'response')) add('DIGEST-MD5 response=', v);
    for (const v of fields(p.decoded, 'rspauth')) add('DIGEST-MD5 rspauth=', v);
  }
  for (const c of credentials) {
    add('credential', c);
    add('credential in base64', Buffer.from(c).toString('base64'));
  }
  return out;
}

/** The secrets found in `haystack`, named for the failure message. */
export function leaked(haystack: string, secrets: readonly Secret[]): string[] {
  return secrets.filter((s) => haystack.includes(s.value)).map((s) => `${s.what}: ${JSON.stringify(s.value)}`);
}
