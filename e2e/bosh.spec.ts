// BOSH against Prosody (/http-bind) and ejabberd (/bosh) in Chromium: logins, BOSH↔WebSocket messages, IQs,
// failures to reach an endpoint. Sessions that outlive a page: bosh-sessions.spec.ts; network faults: bosh-faults.spec.ts.
import { test as base } from 'playwright/test';
import { $msg, Connection } from '../src/index.js';
import { e2eEnv, endpoint } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';
import { forBoshServers } from './support/servers.js';

const env = e2eEnv();

forBoshServers((s) => {
  test(`${s.name}: BOSH login, BOSH↔WebSocket messages both ways, sendIQ, disconnect`, async ({ harness }) => {
    const bosh = endpoint(env, s.server, 'http');
    const ws = endpoint(env, s.server, 'ws');
    const a = await harness.evaluate((x) => h.login('bosh', x.bosh, `alice@${x.d}/${x.r}`, 'alicepass'), { bosh, d: s.domain, r: uniq('bosh') });
    const b = await harness.evaluate((x) => h.login('ws', x.ws, `bob@${x.d}/${x.r}`, 'bobpass'), { ws, d: s.domain, r: uniq('ws') });
    expect(a, a.text).toMatchObject({ ok: true });
    expect(b, b.text).toMatchObject({ ok: true });
    expect(a.statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    const tag = uniq('bw');
    await harness.evaluate((x) => h.say('bosh', x.to, `${x.t} bosh→ws ✓`), { to: b.jid as string, t: tag });
    await harness.evaluate((x) => h.say('ws', x.to, `${x.t} ws→bosh`), { to: a.jid as string, t: tag });
    expect((await harness.evaluate((t) => h.inbox('ws', t), tag))[0]?.body).toBe(`${tag} bosh→ws ✓`);
    expect((await harness.evaluate((t) => h.inbox('bosh', t), tag))[0]?.body).toBe(`${tag} ws→bosh`);
    const roster = await harness.evaluate(async () => {
      const r = await conns.bosh?.sendIQ(A.$iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
      return r?.getAttribute('type');
    });
    expect(roster).toBe('result');
    const statuses = await harness.evaluate(() => h.disconnect('bosh'));
    expect(statuses.slice(-2)).toEqual(['DISCONNECTING', 'DISCONNECTED']);
    await harness.evaluate(() => h.disconnect('ws'));
  });
});

base('Node: BOSH login, message to itself and disconnect with fetch', async () => {
  const conn = new Connection(env.prosody.bosh.http);
  await conn.connect(`dave@localhost/${uniq('node-bosh')}`, 'davepass');
  const got = new Promise<string>((resolve) => {
    conn.addHandler((m) => {
      resolve(m.getChildText('body') ?? '');
    }, null, 'message', 'chat');
  });
  conn.send($msg({ to: conn.jid, type: 'chat' }).c('body').t('bosh from node'));
  expect(await got).toBe('bosh from node');
  await conn.disconnect();
  expect(conn.authenticated).toBe(false);
});

test('an unreachable or non-BOSH URL fails fast with CONNFAIL and a message naming the cause', async ({ harness }) => {
  const t0 = Date.now();
  const unreachable = await harness.evaluate(() => h.login('x', 'http://127.0.0.1:9/http-bind', 'alice@localhost', 'x'));
  expect(unreachable).toMatchObject({ ok: false, status: 2, condition: 'remote-connection-failed' });
  expect(unreachable.text).toMatch(/^cannot reach http:\/\/127\.0\.0\.1:9\/http-bind /);
  expect(Date.now() - t0).toBeLessThan(15_000);
  const notBosh = await harness.evaluate(() => h.login('y', `${location.origin}/index.html`, 'alice@localhost', 'x'));
  expect(notBosh).toMatchObject({ ok: false, status: 2, condition: 'bad-format' });
  expect(notBosh.text).toMatch(/BOSH/);
});
