// BOSH sessions that outlive a page against Prosody and ejabberd in Chromium: keepalive + restore() across a
// reload, one entry per account on one service, a session the server lost, prebind attach(), connectTimeout.
import WebSocket from 'ws';
import { $msg, Connection } from '../src/index.js';
import { startFaultProxy } from './support/bosh-fault-proxy.js';
import { prebind } from './support/bosh-prebind.js';
import { boshOptions, endpoint } from './support/env.js';
import { expect, harnessReady, test, uniq } from './support/fixtures.js';
import { forBoshServers } from './support/servers.js';

forBoshServers((s) => {
  const keep = { keepalive: true, ...boshOptions(s.server) };

  test(`${s.name}: keepalive + restore(): a reload resumes the session without a new login, and a message sent during the reload arrives`, async ({ harness, env }) => {
    const service = endpoint(env, s.server, 'http');
    const a = await harness.evaluate((x) => h.login('a', x.service, x.jid, 'alicepass', x.keep), { service, jid: `alice@${s.domain}/${uniq('keep')}`, keep });
    expect(a, a.text).toMatchObject({ ok: true });
    const stored = await harness.evaluate(() => JSON.stringify(sessionStorage));
    expect(stored).toContain(a.jid as string);
    expect(stored).not.toContain('alicepass');
    await harness.reload();
    await harnessReady(harness);
    // bob writes while the page is reloading / not yet restored
    const bob = new Connection(endpoint(env, s.server, 'ws'), { WebSocket: WebSocket as never });
    try {
      await bob.connect(`bob@${s.domain}/${uniq('writer')}`, 'bobpass');
      const tag = uniq('during-reload');
      bob.send($msg({ to: a.jid, type: 'chat' }).c('body').t(tag));
      await new Promise((r) => setTimeout(r, 300));
      const r = await harness.evaluate((x) => h.restore('r', x.service, null, x.keep), { service, keep });
      expect(r, r.text).toMatchObject({ ok: true, jid: a.jid, authenticated: true, statuses: ['ATTACHED'] });
      expect((await harness.evaluate((t) => h.inbox('r', t), tag)).map((m) => m.body)).toEqual([tag]);
      expect(await harness.evaluate(() => h.disconnect('r'))).toEqual(['ATTACHED', 'DISCONNECTING', 'DISCONNECTED']);
      expect(await harness.evaluate(() => h.stored())).toEqual([]);
    } finally {
      await bob.disconnect();
    }
  });

  test(`${s.name}: two accounts on one service keep one entry each; a disconnect deletes only its own; restore(jid) picks the account, restore() with two is ambiguous`, async ({ harness, env }) => {
    const service = endpoint(env, s.server, 'http');
    const [alice, bob] = [`alice@${s.domain}`, `bob@${s.domain}`];
    const a = await harness.evaluate((x) => h.login('a', x.service, x.jid, 'alicepass', x.keep), { service, jid: `${alice}/${uniq('two')}`, keep });
    const b = await harness.evaluate((x) => h.login('b', x.service, x.jid, 'bobpass', x.keep), { service, jid: `${bob}/${uniq('two')}`, keep });
    expect([a.ok, b.ok], `${a.text} ${b.text}`).toEqual([true, true]);
    const both = await harness.evaluate(() => h.stored());
    expect(both).toHaveLength(2);
    expect(both.join(' ')).toContain(JSON.stringify(alice));
    expect(both.join(' ')).toContain(JSON.stringify(bob));

    // a reload keeps both; restore() cannot tell which, restore(jid) can
    await harness.reload();
    await harnessReady(harness);
    const ambiguous = await harness.evaluate((x) => h.restore('x', x.service, null, x.keep), { service, keep });
    expect(ambiguous).toMatchObject({ ok: false, status: 12, condition: 'ambiguous-session' });
    expect(await harness.evaluate(() => h.stored())).toEqual(both);
    const ra = await harness.evaluate((x) => h.restore('a', x.service, x.jid, x.keep), { service, jid: alice, keep });
    const rb = await harness.evaluate((x) => h.restore('b', x.service, x.jid, x.keep), { service, jid: bob, keep });
    expect(ra, ra.text).toMatchObject({ ok: true, jid: a.jid, statuses: ['ATTACHED'] });
    expect(rb, rb.text).toMatchObject({ ok: true, jid: b.jid, statuses: ['ATTACHED'] });

    // alice leaves: bob's entry stays, and after another reload restore(bob) resumes bob
    await harness.evaluate(() => h.disconnect('a'));
    const left = await harness.evaluate(() => h.stored());
    expect(left).toHaveLength(1);
    expect(left[0]).toContain(JSON.stringify(bob));
    await harness.reload();
    await harnessReady(harness);
    const again = await harness.evaluate((x) => h.restore('b', x.service, x.jid, x.keep), { service, jid: bob, keep });
    expect(again, again.text).toMatchObject({ ok: true, jid: b.jid, statuses: ['ATTACHED'] });
    const pong = await harness.evaluate(async (domain) => (await conns.b?.sendIQ(A.$iq({ type: 'get', to: domain }).c('ping', { xmlns: 'urn:xmpp:ping' })))?.getAttribute('type'), s.domain);
    expect(pong).toBe('result');
    await harness.evaluate(() => h.disconnect('b'));
    expect(await harness.evaluate(() => h.stored())).toEqual([]);
    const none = await harness.evaluate((x) => h.restore('n', x.service, null, x.keep), { service, keep });
    expect(none).toMatchObject({ ok: false, status: 12, condition: 'no-session-stored' });
  });

  test(`${s.name}: restore() of a session the server no longer has fails with ATTACHFAIL item-not-found and clears storage`, async ({ harness, env }) => {
    const service = endpoint(env, s.server, 'http');
    const a = await harness.evaluate((x) => h.login('a', x.service, x.jid, 'alicepass', x.keep), { service, jid: `alice@${s.domain}/${uniq('gone')}`, keep });
    expect(a, a.text).toMatchObject({ ok: true });
    const saved = await harness.evaluate(() => JSON.stringify(sessionStorage));
    await harness.evaluate(() => h.disconnect('a')); // terminates the session on the server (and clears storage)
    await harness.evaluate((st) => {
      for (const [k, v] of Object.entries(JSON.parse(st) as Record<string, string>)) sessionStorage.setItem(k, v);
    }, saved);
    const res = await harness.evaluate((x) => h.restore('r', x.service, null, x.keep), { service, keep });
    expect(res).toMatchObject({ ok: false, status: 12, condition: 'item-not-found' });
    expect(res.statuses[0]).toBe('ATTACHFAIL:item-not-found');
    expect(await harness.evaluate(() => h.stored())).toEqual([]);
  });

  test(`${s.name}: attach() takes over a session prebound by a server-side (Node) login`, async ({ harness, env }) => {
    const service = endpoint(env, s.server, 'http');
    const session = await prebind(service, s.domain, s.prebindUser, `${s.prebindUser}pass`, uniq('prebind'));
    const res = await harness.evaluate((x) => h.attach('p', x.service, x.jid, x.sid, x.rid, x.opts), { service, ...session, opts: boshOptions(s.server) });
    expect(res, res.text).toMatchObject({ ok: true, jid: session.jid, statuses: ['ATTACHED'] });
    const pong = await harness.evaluate(async (domain) => (await conns.p?.sendIQ(A.$iq({ type: 'get', to: domain }).c('ping', { xmlns: 'urn:xmpp:ping' })))?.getAttribute('type'), s.domain);
    expect(pong).toBe('result');
    expect(await harness.evaluate(() => h.disconnect('p'))).toEqual(['ATTACHED', 'DISCONNECTING', 'DISCONNECTED']);
  });
});

// the server is never reached here (a proxy holds every request of the session), so one server is enough
test('restore() and attach() honour connectTimeout: CONNTIMEOUT connection-timeout when no answer comes', async ({ harness, env }) => {
  let stall = false;
  const proxy = await startFaultProxy(env.prosody.bosh.http, () => (stall ? 'stall' : undefined), 30_000);
  try {
    const keep = { keepalive: true, connectTimeout: 1500 };
    const a = await harness.evaluate((x) => h.login('a', x.url, `alice@localhost/${x.r}`, 'alicepass', x.keep), { url: proxy.url, r: uniq('ct'), keep });
    expect(a, a.text).toMatchObject({ ok: true });
    await harness.reload();
    await harnessReady(harness);
    stall = true;
    const t0 = Date.now();
    const restored = await harness.evaluate((x) => h.restore('r', x.url, null, x.keep), { url: proxy.url, keep });
    expect(restored).toMatchObject({ ok: false, status: 10, condition: 'connection-timeout' });
    expect(Date.now() - t0).toBeLessThan(8_000);

    const session = await prebind(env.prosody.bosh.http, 'localhost', 'dave', 'davepass', uniq('ct'));
    const t1 = Date.now();
    const attached = await harness.evaluate((x) => h.attach('p', x.url, x.jid, x.sid, x.rid, { connectTimeout: 1500 }), { url: proxy.url, ...session });
    expect(attached).toMatchObject({ ok: false, status: 10, condition: 'connection-timeout' });
    expect(Date.now() - t1).toBeLessThan(8_000);
  } finally {
    await proxy.close();
  }
});
