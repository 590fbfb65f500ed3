// SASLprep (RFC 4013): the stringprep profile SCRAM applies to user names and passwords.
// Printable ASCII is already prepared (nothing in it is mapped, normalized differently or prohibited), so the
// Unicode tables (~1.3 KiB gz) are fetched only for the rare name or password outside it.
import { SaslError } from '../src/sasl/mechanism.js';

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Prepares a user name or password with SASLprep (RFC 4013), with "query" semantics: unassigned code points are
 * allowed. Normalization uses the platform's Unicode version (NFKC), not Unicode 3.2.
 * Rejects with {@link SaslError} `saslprep-prohibited` for prohibited characters or a bidirectional-text
 * violation; the message never contains the input.
 */
export async function saslprep(input: string): Promise<string> {
  if (PRINTABLE_ASCII.test(input)) return input;
  const { saslprepUnicode } = await import('./saslprep-unicode.js');
  try {
    return saslprepUnicode(input);
  } catch (e) {
    throw new SaslError('saslprep-prohibited', (e as Error).message);
  }
}
