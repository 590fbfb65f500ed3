// Certificate input for XEP-0257: PEM text or DER bytes to the base64 DER the protocol carries, with sanity checks.
import { fromBase64, toBase64 } from '../public.js';
import { CertificateManagementError } from './errors.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/**
 * The certificate as XEP-0257's `<x509cert/>` carries it: base64 of the DER encoding, on one line.
 *
 * `cert` is either PEM text holding exactly one `CERTIFICATE` block (anything else in the text, such as a
 * private key, is ignored and never sent) or the DER bytes. Throws {@link CertificateManagementError}
 * (`bad-request`) when it is neither. Handy to compare a local certificate with what {@link listCertificates}
 * returns.
 */
export function encodeCertificate(cert: string | Uint8Array): string {
  const der = typeof cert === 'string' ? pemToDer(cert) : cert;
  if (!isDerSequence(der)) throw invalid('the certificate is not DER: expected one complete ASN.1 SEQUENCE');
  return toBase64(der);
}

function pemToDer(pem: string): Uint8Array {
  const blocks = [...pem.matchAll(PEM_BLOCK)];
  if (blocks.length !== 1) {
    throw invalid(
      blocks.length === 0
        ? 'expected PEM text with a "-----BEGIN CERTIFICATE-----" block, or DER bytes'
        : `the PEM text holds ${blocks.length} certificates; pass only the client certificate`,
    );
  }
  try {
    return fromBase64(blocks[0]?.[1] ?? '');
  } catch {
    throw invalid('the PEM certificate block is not valid base64');
  }
}

/** True when `der` is exactly one DER SEQUENCE (tag 0x30, definite length covering the rest of the bytes). */
function isDerSequence(der: Uint8Array): boolean {
  if (der.length < 2 || der[0] !== 0x30) return false;
  const first = der[1] as number;
  if (first < 0x80) return der.length === 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || der.length < 2 + n) return false;
  let length = 0;
  for (let i = 0; i < n; i++) length = length * 256 + (der[2 + i] as number);
  return der.length === 2 + n + length;
}

function invalid(text: string): CertificateManagementError {
  return new CertificateManagementError('add', 'bad-request', text);
}
