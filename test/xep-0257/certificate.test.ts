// encodeCertificate: PEM and DER input to the base64 DER XEP-0257 carries.
import { describe, expect, it } from 'vitest';
import { CertificateManagementError, encodeCertificate } from '../../src/xep-0257/index.js';
import { CERT_B64, CERT_DER, CERT_PEM } from './fixtures.js';

describe('encodeCertificate', () => {
  it('gives the same one-line base64 DER for PEM text and for DER bytes', () => {
    expect(encodeCertificate(CERT_PEM)).toBe(CERT_B64);
    expect(encodeCertificate(CERT_DER)).toBe(CERT_B64);
    expect(encodeCertificate(`issuer text before\n${CERT_PEM}\ntrailing`)).toBe(CERT_B64);
  });

  it('accepts short-form and long-form DER lengths and rejects a length that does not match', () => {
    expect(encodeCertificate(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x00))).toBe('MAMCAQA=');
    expect(() => encodeCertificate(Uint8Array.of(0x30, 0x04, 0x02, 0x01, 0x00))).toThrow(CertificateManagementError);
    expect(() => encodeCertificate(Uint8Array.of(0x30, 0x80, 0x00, 0x00))).toThrow(/not DER/);
    const extra = new Uint8Array(CERT_DER.length + 1);
    extra.set(CERT_DER);
    expect(() => encodeCertificate(extra)).toThrow(/not DER/);
  });
});
