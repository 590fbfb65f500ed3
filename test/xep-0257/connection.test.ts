// XEP-0257 over a real CoreConnection (scripted WebSocket server): the connection fits IqSender, errors map through IqError.
import { describe, expect, it } from 'vitest';
import { CoreConnection } from '../../src/connection.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { addCertificate, CertificateManagementError, type IqSender, listCertificates, NS_SASLCERT, revokeCertificate } from '../../src/xep-0257/index.js';
import { FakeServer, idOf, loginScript } from '../helpers/fake-websocket.js';
import { CERT_B64, CERT_PEM } from './fixtures.js';
import { TestPlain } from '../helpers/test-plain.js';

describe('XEP-0257 on a connection', () => {
  it('adds, lists and revokes; a server error rejects with CertificateManagementError', async () => {
    const stored = new Map<string, string>();
    const server = new FakeServer(
      loginScript({
        extra: (frame, reply) => {
          const id = idOf(frame);
          const name = /<name>([^<]*)<\/name>/.exec(frame)?.[1] ?? '';
          if (frame.includes('<append')) {
            stored.set(name, /<x509cert>([^<]*)<\/x509cert>/.exec(frame)?.[1] ?? '');
            reply(`<iq xmlns='jabber:client' type='result' id='${id}'/>`);
          } else if (frame.includes('<items')) {
            const items = [...stored].map(([n, c]) => `<item><name>${n}</name><x509cert>${c}</x509cert></item>`).join('');
            reply(`<iq xmlns='jabber:client' type='result' id='${id}'><items xmlns='${NS_SASLCERT}'>${items}</items></iq>`);
          } else if (frame.includes('<revoke') && stored.delete(name)) {
            reply(`<iq xmlns='jabber:client' type='result' id='${id}'/>`);
          } else {
            reply(
              `<iq xmlns='jabber:client' type='error' id='${id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
            );
          }
        },
      }),
    );
    const conn = new CoreConnection('ws://127.0.0.1:5280/ws', { WebSocket: server.WebSocket }, { transports: [WebSocketTransport], mechanisms: [TestPlain] });
    await conn.connect('user@example.org', 'secret');
    const sender: IqSender = conn;
    await addCertificate(sender, 'laptop', CERT_PEM);
    expect(await listCertificates(sender)).toEqual([{ name: 'laptop', x509cert: CERT_B64 }]);
    await revokeCertificate(sender, 'laptop');
    expect(await listCertificates(sender)).toEqual([]);
    const err = await revokeCertificate(sender, 'laptop').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertificateManagementError);
    expect((err as CertificateManagementError).condition).toBe('item-not-found');
    await conn.disconnect();
    const offline = await listCertificates(sender).catch((e: unknown) => e);
    expect((offline as CertificateManagementError).condition).toBe('not-connected');
  });
});
