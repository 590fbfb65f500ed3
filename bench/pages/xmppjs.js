// @xmpp/client 0.14 behind the bench adapter: its browser build (PLAIN/ANONYMOUS; no SCRAM in browsers) and
// the ltx-based @xmpp/xml parser its WebSocket transport uses.
import { client, xml } from '@xmpp/client';
import FramedParser from '@xmpp/websocket/lib/FramedParser.js';
import { installDriver } from './driver.js';

installDriver({
  name: '@xmpp/client',
  // the browser build maps @xmpp/sasl-scram-sha-1 to false: only PLAIN (and ANONYMOUS) are there
  mechanisms: ['PLAIN'],
  async connect({ service, jid, password, mechanism }) {
    if (mechanism !== 'PLAIN') throw new Error(`@xmpp/client browser build has no ${mechanism}`);
    const [local, rest] = jid.split('@');
    const [domain, resource] = rest.split('/');
    const x = client({ service, domain, resource, username: local, password });
    x.on('error', () => {});
    x.reconnect.stop();
    await x.start();
    return x;
  },
  async disconnect(x) {
    await x.stop();
  },
  onMessage(x, fn) {
    x.on('stanza', (s) => {
      if (s.is('message')) fn(s.getChildText('body'));
    });
  },
  sendChat(x, to, body, id) {
    x.send(xml('message', { to, type: 'chat', id }, xml('body', {}, body), xml('no-store', { xmlns: 'urn:xmpp:hints' }))).catch(() => {});
  },
  parsers() {
    return {
      '@xmpp/xml (ltx) FramedParser': async () => {
        const parser = new FramedParser();
        let count = 0;
        parser.on('element', () => count++);
        parser.on('error', (e) => {
          throw e;
        });
        return (frame) => {
          count = 0;
          parser.write(frame);
          return count;
        };
      },
    };
  },
});
