// XEP-0257 requests and results against a fake sendIQ: payloads as the XEP and Prosody's mod_client_certs expect them.
import { describe, expect, it } from 'vitest';
import { IqError } from '../../src/errors.js';
import {
  addCertificate,
  CertificateManagementError,
  disableCertificate,
  listCertificates,
  NS_SASLCERT,
  revokeCertificate,
  supportsCertificateManagement,
} from '../../src/xep-0257/index.js';
import { CERT_B64, CERT_DER, CERT_PEM, FakeConnection, xml } from './fixtures.js';

const result = () => xml("<iq xmlns='jabber:client' type='result'/>");
const stanzaError = (type: string, condition: string, text?: string) =>
  xml(
    `<iq xmlns='jabber:client' type='error'><error type='${type}'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` +
      (text ? `<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>${text}</text>` : '') +
      '</error></iq>',
  );

async function rejection(p: Promise<unknown>): Promise<CertificateManagementError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CertificateManagementError);
  return e as CertificateManagementError;
}

describe('listCertificates', () => {
  it('sends <items/> and parses names, base64 DER and the resources using each certificate', async () => {
    const conn = new FakeConnection(() =>
      xml(
        `<iq xmlns='jabber:client' type='result'><items xmlns='${NS_SASLCERT}'>` +
          `<item><name>Mobile Client</name><x509cert>\n  ${CERT_B64.slice(0, 64)}\n  ${CERT_B64.slice(64)}\n</x509cert>` +
          '<users><resource>Phone</resource><resource>Tablet</resource></users></item>' +
          `<item><name>Laptop</name><x509cert>${CERT_B64}</x509cert></item>` +
          '</items></iq>',
      ),
    );
    const certs = await listCertificates(conn);
    expect(conn.last).toBe(`<iq xmlns="jabber:client" type="get" id="iq1"><items xmlns="${NS_SASLCERT}"/></iq>`);
    expect(certs).toEqual([
      { name: 'Mobile Client', x509cert: CERT_B64, users: ['Phone', 'Tablet'] },
      { name: 'Laptop', x509cert: CERT_B64 },
    ]);
  });

  it("reads Prosody's shape: an empty <x509cert/> becomes '' and an empty list is []", async () => {
    const one = new FakeConnection(() =>
      xml(`<iq xmlns='jabber:client' type='result'><items xmlns='${NS_SASLCERT}'><item><name>e2e</name><x509cert/></item></items></iq>`),
    );
    expect(await listCertificates(one)).toEqual([{ name: 'e2e', x509cert: '' }]);
    const none = new FakeConnection(() => xml(`<iq xmlns='jabber:client' type='result'><items xmlns='${NS_SASLCERT}'/></iq>`));
    expect(await listCertificates(none)).toEqual([]);
  });

  it('ignores items in another namespace and fails on a result without <items/>', async () => {
    const foreign = new FakeConnection(() =>
      xml(`<iq xmlns='jabber:client' type='result'><items xmlns='${NS_SASLCERT}'><item xmlns='urn:x:other'><name>x</name></item></items></iq>`),
    );
    expect(await listCertificates(foreign)).toEqual([]);
    const err = await rejection(listCertificates(new FakeConnection(result)));
    expect(err.operation).toBe('list');
    expect(err.condition).toBe('unexpected-response');
  });

  it('passes the timeout to sendIQ', async () => {
    const conn = new FakeConnection(() => xml(`<iq xmlns='jabber:client' type='result'><items xmlns='${NS_SASLCERT}'/></iq>`));
    await listCertificates(conn, { timeoutMs: 1234 });
    expect(conn.sent[0]?.timeoutMs).toBe(1234);
  });
});

describe('addCertificate', () => {
  it('sends <append/> with the name and the certificate as one line of base64 DER, from PEM or DER', async () => {
    const conn = new FakeConnection(result);
    await addCertificate(conn, 'Mobile Client', CERT_PEM);
    expect(conn.last).toBe(
      `<iq xmlns="jabber:client" type="set" id="iq1"><append xmlns="${NS_SASLCERT}"><name>Mobile Client</name><x509cert>${CERT_B64}</x509cert></append></iq>`,
    );
    await addCertificate(conn, 'Laptop', CERT_DER);
    expect(conn.sent[1]?.iq.getChild('append', NS_SASLCERT)?.getChildText('x509cert', NS_SASLCERT)).toBe(CERT_B64);
  });

  it('adds <no-cert-management/> when asked', async () => {
    const conn = new FakeConnection(result);
    await addCertificate(conn, 'Simple Bot', CERT_PEM, { noCertManagement: true });
    const append = conn.sent[0]?.iq.getChild('append', NS_SASLCERT);
    expect(append?.getChild('no-cert-management', NS_SASLCERT)).toBeDefined();
  });

  it('sends only the certificate block of a PEM that also holds a private key (CRLF line ends too)', async () => {
    const conn = new FakeConnection(result);
    const key = '-----BEGIN PRIVATE KEY-----\nTk9UQVJFQUxLRVlfanVzdF9hX21hcmtlcg==\n-----END PRIVATE KEY-----\n';
    await addCertificate(conn, 'bundle', (key + CERT_PEM).replace(/\n/g, '\r\n'));
    expect(conn.last).toContain(`<x509cert>${CERT_B64}</x509cert>`);
    expect(conn.last).not.toContain('PRIVATE');
    expect(conn.last).not.toContain('Tk9UQVJFQUxLRVlf');
  });

  it('refuses input that is not exactly one certificate, before sending anything and without echoing it', async () => {
    const conn = new FakeConnection(result);
    const secretish = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n';
    const cases: [string | Uint8Array, RegExp][] = [
      [secretish, /BEGIN CERTIFICATE/],
      [CERT_PEM + CERT_PEM, /2 certificates/],
      ['-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----', /not valid base64/],
      [CERT_DER.subarray(0, CERT_DER.length - 1), /not DER/],
      [new TextEncoder().encode(CERT_PEM), /not DER/],
      [new Uint8Array(0), /not DER/],
    ];
    for (const [input, message] of cases) {
      const err = await rejection(addCertificate(conn, 'x', input));
      expect(err.operation).toBe('add');
      expect(err.condition).toBe('bad-request');
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('c2VjcmV0');
    }
    expect(conn.sent).toEqual([]);
  });

  it('refuses an empty name before sending anything', async () => {
    const conn = new FakeConnection(result);
    for (const name of ['', '   ']) {
      const err = await rejection(addCertificate(conn, name, CERT_PEM));
      expect(err.condition).toBe('bad-request');
      expect(err.message).toMatch(/name/);
    }
    expect(conn.sent).toEqual([]);
  });

  it("reports the server's refusal with its condition, type and text", async () => {
    const conn = new FakeConnection(() => stanzaError('cancel', 'bad-request', 'This certificate has no valid id-on-xmppAddr field.'));
    const err = await rejection(addCertificate(conn, 'wrong-jid', CERT_PEM));
    expect(err.name).toBe('CertificateManagementError');
    expect(err.operation).toBe('add');
    expect(err.condition).toBe('bad-request');
    expect(err.type).toBe('cancel');
    expect(err.text).toBe('This certificate has no valid id-on-xmppAddr field.');
    expect(err.element?.attrs.type).toBe('error');
    expect(err.message).toBe('XEP-0257 add failed: bad-request (This certificate has no valid id-on-xmppAddr field.)');
    expect(err.message).not.toContain(CERT_B64.slice(0, 20));
  });

  it('finds the defined condition even when <text/> comes first', async () => {
    const conn = new FakeConnection(() =>
      xml(
        "<iq xmlns='jabber:client' type='error'><error type='modify'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Could not parse X.509 certificate</text>" +
          "<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>",
      ),
    );
    const err = await rejection(addCertificate(conn, 'x', CERT_PEM));
    expect(err.condition).toBe('not-acceptable');
    expect(err.type).toBe('modify');
    expect(err.text).toBe('Could not parse X.509 certificate');
  });
});

describe('disableCertificate and revokeCertificate', () => {
  it('send <disable/> and <revoke/> with the name', async () => {
    const conn = new FakeConnection(result);
    await disableCertificate(conn, 'Mobile Client');
    await revokeCertificate(conn, 'Laptop & <stolen>');
    expect(conn.sent[0]?.iq.toString()).toBe(
      `<iq xmlns="jabber:client" type="set" id="iq1"><disable xmlns="${NS_SASLCERT}"><name>Mobile Client</name></disable></iq>`,
    );
    expect(conn.sent[1]?.iq.toString()).toBe(
      `<iq xmlns="jabber:client" type="set" id="iq2"><revoke xmlns="${NS_SASLCERT}"><name>Laptop &amp; &lt;stolen&gt;</name></revoke></iq>`,
    );
  });

  it('map an unsupported server and a missing certificate to typed errors', async () => {
    const unsupported = new FakeConnection(() => stanzaError('cancel', 'service-unavailable'));
    const e1 = await rejection(disableCertificate(unsupported, 'x'));
    expect([e1.operation, e1.condition, e1.text]).toEqual(['disable', 'service-unavailable', undefined]);
    const missing = new FakeConnection(() => stanzaError('cancel', 'item-not-found'));
    const e2 = await rejection(revokeCertificate(missing, 'x'));
    expect([e2.operation, e2.condition]).toEqual(['revoke', 'item-not-found']);
  });

  it('map a timeout or a lost connection (no error stanza) to the same typed error', async () => {
    const e1 = await rejection(revokeCertificate(new FakeConnection(() => new IqError(undefined, 'timeout')), 'x'));
    expect([e1.condition, e1.element, e1.type]).toEqual(['timeout', undefined, undefined]);
    const e2 = await rejection(listCertificates(new FakeConnection(() => new IqError(undefined, 'disconnected'))));
    expect(e2.condition).toBe('disconnected');
  });

  it('let unrelated errors through unchanged', async () => {
    const boom = new RangeError('boom');
    const e = await disableCertificate(new FakeConnection(() => boom), 'x').catch((err: unknown) => err);
    expect(e).toBe(boom);
  });
});

describe('supportsCertificateManagement', () => {
  it('looks for the urn:xmpp:saslcert:1 disco#info feature on the domain', async () => {
    const disco = (features: string[]) =>
      new FakeConnection(() =>
        xml(
          "<iq xmlns='jabber:client' type='result'><query xmlns='http://jabber.org/protocol/disco#info'>" +
            features.map((f) => `<feature var='${f}'/>`).join('') +
            '</query></iq>',
        ),
      );
    const yes = disco(['urn:xmpp:ping', NS_SASLCERT]);
    expect(await supportsCertificateManagement(yes, 'example.org')).toBe(true);
    expect(yes.sent[0]?.iq.attrs.to).toBe('example.org');
    expect(await supportsCertificateManagement(disco(['urn:xmpp:ping']), 'example.org')).toBe(false);
    expect(await supportsCertificateManagement(new FakeConnection(() => stanzaError('cancel', 'service-unavailable')), 'example.org')).toBe(false);
  });
});
