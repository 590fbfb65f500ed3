// A self-signed test certificate (xmppAddr hamlet@shakespeare.lit, no private key) and a fake sendIQ for XEP-0257 tests.
import { IqError } from '../../src/errors.js';
import type { IqSender } from '../../src/xep-0257/index.js';
import { type Buildable, toElement } from '../../src/xml/builder.js';
import type { XmlElement } from '../../src/xml/element.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';

export const CERT_PEM = `-----BEGIN CERTIFICATE-----
MIIB4TCCAYegAwIBAgIUUEhPQgs7u202XEVFDP/4MVv6vI8wCgYIKoZIzj0EAwIw
ITEfMB0GA1UEAwwWaGFtbGV0QHNoYWtlc3BlYXJlLmxpdDAgFw0yNjExMjUwNTU1
MzNaGA8yMTI2MTEwMTA1NTUzM1owITEfMB0GA1UEAwwWaGFtbGV0QHNoYWtlc3Bl
YXJlLmxpdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABJ4dUWHdWwaPjr4CwrHn
HJOwoba/bQ7j5ScTdDB6BEcDVSNO5JqUmgbimnBd0T+7o5jki8nwtIvYe/SFynv1
3ZujgZowgZcwHQYDVR0OBBYEFDc7XbkEEhf74esR0AeU0gh4xBQSMB8GA1UdIwQY
MBaAFDc7XbkEEhf74esR0AeU0gh4xBQSMA8GA1UdEwEB/wQFMAMBAf8wLwYDVR0R
BCgwJqAkBggrBgEFBQcIBaAYDBZoYW1sZXRAc2hha2VzcGVhcmUubGl0MBMGA1Ud
JQQMMAoGCCsGAQUFBwMCMAoGCCqGSM49BAMCA0gAMEUCIDuySm8Mlf5L9eJmBtaQ
bYe+vMOwAi3mfzVS10qsyiSlAiEAuaZ0z4yYtPGs8wNOzGlzXBIQhaYR8xMpqjv5
+04/xvU=
-----END CERTIFICATE-----
`;

/** The same certificate as one line of base64 DER (what `<x509cert/>` carries). */
export const CERT_B64 = CERT_PEM.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');

/** The DER bytes of the certificate. */
export const CERT_DER = Uint8Array.from(atob(CERT_B64), (c) => c.charCodeAt(0));

/** What the fake server does with one request: a result/error stanza to answer with, or an error to reject with. */
export type Answer = (iq: XmlElement) => XmlElement | Error;

/** A fake connection: records every IQ (with the timeout asked for) and answers it through `answer`. */
export class FakeConnection implements IqSender {
  readonly sent: { iq: XmlElement; timeoutMs: number | undefined }[] = [];

  constructor(private readonly answer: Answer) {}

  sendIQ(iq: Buildable, _onResult?: undefined, _onError?: undefined, timeoutMs?: number): Promise<XmlElement> {
    const el = toElement(iq);
    el.attrs.id ??= `iq${this.sent.length + 1}`;
    this.sent.push({ iq: el, timeoutMs });
    const reply = this.answer(el);
    if (reply instanceof Error) return Promise.reject(reply);
    reply.attrs.id = el.attrs.id;
    return reply.attrs.type === 'error' ? Promise.reject(new IqError(reply)) : Promise.resolve(reply);
  }

  /** The last IQ sent, serialized. */
  get last(): string {
    return this.sent.at(-1)?.iq.toString() ?? '';
  }
}

/** Parses one element the way the connection would receive it (fragment mode). */
export function xml(text: string): XmlElement {
  let out: XmlElement | undefined;
  let error: Error | undefined;
  const parser = createStreamParser(
    {
      onStreamStart: () => {},
      onStreamEnd: () => {},
      onElement: (el) => {
        out ??= el;
      },
      onError: (e) => {
        error = e;
      },
    },
    { fragment: true },
  );
  parser.write(text);
  if (error || !out) throw error ?? new Error('no element');
  return out;
}
