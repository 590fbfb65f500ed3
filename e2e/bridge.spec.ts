// The @xmpp/sasl bridge against real Prosody: our SCRAM-SHA-256 inside @xmpp/client (Node), and
// @xmpp/sasl-plain's mechanism inside an antistrophe page (Chromium).
import { client } from '@xmpp/client';
import { build } from 'esbuild';
import WebSocket from 'ws';
import { installXmppJs } from '../src/bridge/xmppjs.js';
import { ScramSha256 } from '../mechanisms/scram.js';
import { expect, test, uniq } from './support/fixtures.js';

test('@xmpp/client logs in to Prosody with our verified SCRAM-SHA-256 through the bridge', async ({ env }) => {
  (globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket; // @xmpp/websocket uses the global
  const xmpp = client({ service: env.prosody.websocket.ws, domain: 'localhost', resource: uniq('bridge'), username: 'carol', password: 'carolpass' });
  xmpp.on('error', () => {});
  const mechanismsSent: string[] = [];
  xmpp.on('send', (el: { name: string; attrs: Record<string, string> }) => {
    if (el.name === 'auth') mechanismsSent.push(el.attrs.mechanism ?? '');
  });
  const keys: string[] = [];
  installXmppJs(xmpp as never, ScramSha256, { onScramKeys: (k) => keys.push(k.mechanism) });
  const online = new Promise<string>((resolve) => xmpp.once('online', (a: { toString(): string }) => resolve(a.toString())));
  await xmpp.start();
  expect(await online).toMatch(/^carol@localhost\//);
  expect(mechanismsSent).toEqual(['SCRAM-SHA-256']);
  expect(keys).toEqual(['SCRAM-SHA-256']); // set only after the server signature was verified
  await xmpp.stop();
});

test('an antistrophe page logs in with @xmpp/sasl-plain’s mechanism through fromXmppJs', async ({ harness, env }) => {
  const bundle = await build({
    stdin: { contents: "export { default as SaslPlain } from 'sasl-plain';", resolveDir: process.cwd() },
    bundle: true,
    format: 'iife',
    globalName: 'XmppJsPlain',
    platform: 'browser',
    write: false,
  });
  await harness.addScriptTag({ content: bundle.outputFiles[0]?.text ?? '' });
  const res = await harness.evaluate(async (ws) => {
    const w = window as unknown as {
      A: typeof import('../src/index.js');
      XmppJsPlain: { SaslPlain: import('../src/bridge/xmppjs.js').XmppJsMechanismClass };
    };
    const { fromXmppJs } = (await import('/dist/xmppjs.js' as string)) as typeof import('../src/bridge/xmppjs.js');
    const conn = new w.A.Connection(ws, { mechanisms: [fromXmppJs(w.XmppJsPlain.SaslPlain)] });
    await conn.connect('dave@localhost', 'davepass');
    const out = { jid: conn.jid, mechanism: conn.mechanism };
    await conn.disconnect();
    return out;
  }, env.prosody.websocket.ws);
  expect(res.mechanism).toBe('PLAIN');
  expect(res.jid).toMatch(/^dave@localhost\//);
});
