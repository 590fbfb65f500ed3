// Random nonces for SCRAM and DIGEST-MD5, from the platform CSPRNG.
import { toBase64 } from '../../src/sasl/encoding.js';

/** `bytes` random bytes, base64-encoded (no `,`, so it is safe in SCRAM and DIGEST-MD5 messages). */
export function randomNonce(bytes = 24): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(bytes)));
}
