// Node with `ws` injected, and interop: an @xmpp/client 0.14 client (Node) and an antistrophe page (Chromium).
import { client, type XmppJsElement, xml } from '@xmpp/client';
import { test as base } from 'playwright/test';
import WebSocket from 'ws';
import { $msg, Connection, type StatusCode, statusName, type XmlElement } from '../src/index.js';
import { e2eEnv } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';

base('Node 20 with ws injected: login, message to itself, disconnect', async () => {
  const env = e2eEnv();
  const conn = new Connection(env.prosody.websocket.ws, { WebSocket: WebSocket as never });
  const statuses: string[] = [];
  await conn.connect(`carol@localhost/${uniq('node')}`, 'carolpass', (s: StatusCode) => statuses.push(statusName(s)));
  expect(conn.mechanism).toBe('SCRAM-SHA-256');
  const got = new Promise<string>((resolve) => {
    conn.addHandler((m: XmlElement) => {
      resolve(m.getChildText('body') ?? '');
    }, null, 'message', 'chat');
  });
  conn.send($msg({ to: conn.jid, type: 'chat' }).c('body').t('note to self'));
  expect(await got).toBe('note to self');
  await conn.disconnect();
  expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED', 'DISCONNECTING', 'DISCONNECTED']);
});

test('@xmpp/client (Node) and antistrophe (Chromium) exchange messages both ways through Prosody', async ({ harness, env }) => {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket; // @xmpp/websocket uses the global
  const xmppjs = client({ service: env.prosody.websocket.ws, domain: 'localhost', resource: uniq('xmppjs'), username: 'dave', password: 'davepass' });
  xmppjs.on('error', () => {});
  const received: string[] = [];
  xmppjs.on('stanza', (stanza: XmppJsElement) => {
    if (stanza.is('message')) received.push(stanza.getChildText('body') ?? '');
  });
  const online = new Promise<string>((resolve) => xmppjs.once('online', (address: { toString(): string }) => resolve(address.toString())));
  await xmppjs.start();
  const xmppjsJid = await online;

  const res = await harness.evaluate(({ ws, r }) => h.login('a', ws, `alice@localhost/${r}`, 'alicepass'), { ws: env.prosody.websocket.ws, r: uniq('page') });
  expect(res.ok).toBe(true);
  const tag = uniq('interop');
  await harness.evaluate(({ to, t }) => h.say('a', to, `${t} to xmpp.js`), { to: xmppjsJid, t: tag });
  await expect.poll(() => received).toContain(`${tag} to xmpp.js`);
  await xmppjs.send(xml('message', { to: res.jid, type: 'chat' }, xml('body', {}, `${tag} to antistrophe`)));
  const got = await harness.evaluate((t) => h.inbox('a', t), tag);
  expect(got[0]?.body).toBe(`${tag} to antistrophe`);
  expect(got[0]?.from).toBe(xmppjsJid);
  await harness.evaluate(() => h.disconnect('a'));
  await xmppjs.stop();
});
