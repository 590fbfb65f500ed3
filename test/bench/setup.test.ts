// The bench's setup: the echo server's XMPP dialogue, and the browser bundling of @xmpp/client.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startEchoServer } from '../../bench/echo-server.mjs';
import { browserFalsePlugin, root, sizeOf } from '../../bench/esbuild.mjs';

function dialogue(url: string, frames: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'xmpp');
    const got: string[] = [];
    ws.on('error', reject);
    ws.on('open', () => {
      for (const f of frames) ws.send(f);
    });
    ws.on('message', (d) => got.push(d.toString()));
    ws.on('close', () => resolve(got));
  });
}

describe('echo server', () => {
  it('logs in with PLAIN, binds the requested resource and answers each message to the sender', async () => {
    const echo = await startEchoServer();
    try {
      const open = '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>';
      const got = await dialogue(echo.url, [
        open,
        `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${Buffer.from('\0bob\0pw').toString('base64')}</auth>`,
        open,
        '<iq type="set" id="b1" xmlns="jabber:client"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>r1</resource></bind></iq>',
        '<message to="echo@localhost" id="m1" type="chat" xmlns="jabber:client"><body>a &amp; b</body></message>',
        '<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>',
      ]);
      expect(got[1]).toContain('<mechanism>PLAIN</mechanism>');
      expect(got[2]).toContain('<success');
      expect(got[4]).toContain("<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/>");
      expect(got[5]).toContain('<jid>bob@localhost/r1</jid>');
      expect(got[6]).toMatch(/^<message to='bob@localhost\/r1' .*id='m1'.*<body>a &amp; b<\/body>/);
      expect(got[7]).toBe("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
    } finally {
      await echo.close();
    }
  });
});

describe('browser bundling', () => {
  it('bundles @xmpp/client for the browser without any Node builtin, honoring "browser": false with ".js"', async () => {
    const { code, gz } = await sizeOf(`export { client } from '@xmpp/client';`, root, [browserFalsePlugin]);
    expect(code).not.toMatch(/node:dns|require\("dns"\)/);
    expect(gz).toBeGreaterThan(5000);
  });

  it('fails without the plugin, which is why it exists', async () => {
    await expect(sizeOf(`export { client } from '@xmpp/client';`, root)).rejects.toThrow(/node:dns/);
  });
});
