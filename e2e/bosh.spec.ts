// BOSH against Prosody (/http-bind) and ejabberd (/bosh) in Chromium: logins, BOSH↔WebSocket messages, IQs,
// restore across a reload, prebind attach, and delivery through injected network faults.
import { test as base } from 'playwright/test';
import { $msg, Connection, type XmlElement } from '../src/index.js';
import { type Fault, startFaultProxy } from './support/bosh-fault-proxy.js';
import { prebind } from './support/bosh-prebind.js';
import { e2eEnv } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';

const env = e2eEnv();
const servers = [
  { name: 'Prosody', bosh: env.prosody.bosh.http, ws: env.prosody.websocket.ws, domain: 'localhost', users: ['alice', 'bob'] },
  ...(env.ejabberd ? [{ name: 'ejabberd', bosh: env.ejabberd.bosh.http, ws: env.ejabberd.websocket.ws, domain: 'ej.localhost', users: ['alice', 'bob'] }] : []),
];

for (const s of servers) {
  test(`${s.name}: BOSH login, BOSH↔WebSocket messages both ways, sendIQ, disconnect`, async ({ harness }) => {
    const [u1, u2] = s.users as [string, string];
    const a = await harness.evaluate((x) => h.login('bosh', x.bosh, `${x.u}@${x.d}/${x.r}`, `${x.u}pass`), { bosh: s.bosh, u: u1, d: s.domain, r: uniq('bosh') });
    const b = await harness.evaluate((x) => h.login('ws', x.ws, `${x.u}@${x.d}/${x.r}`, `${x.u}pass`), { ws: s.ws, u: u2, d: s.domain, r: uniq('ws') });
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
}

test('keepalive + restore(): a reload resumes the session without a new login, and a message sent during the reload arrives', async ({ harness, page }) => {
  const ws = env.prosody.websocket.ws;
  const a = await harness.evaluate((u) => h.login('a', u, `alice@localhost/${Math.random().toString(36).slice(2)}`, 'alicepass', { keepalive: true }), env.prosody.bosh.http);
  expect(a, a.text).toMatchObject({ ok: true });
  const stored = await page.evaluate(() => JSON.stringify(sessionStorage));
  expect(stored).toContain(a.jid as string);
  expect(stored).not.toContain('alicepass');
  await page.reload();
  await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
  // bob writes while the page is reloading / not yet restored
  const bob = new Connection(ws, { WebSocket: (await import('ws')).default as never });
  await bob.connect(`bob@localhost/${uniq('writer')}`, 'bobpass');
  const tag = uniq('during-reload');
  bob.send($msg({ to: a.jid, type: 'chat' }).c('body').t(tag));
  await new Promise((r) => setTimeout(r, 300));
  const restored = await page.evaluate(async (service) => {
    const conn = new A.Connection(service, { keepalive: true });
    const statuses: string[] = [];
    const got: string[] = [];
    conn.addHandler((m) => {
      got.push(m.getChildText('body') ?? '');
      return true;
    }, null, 'message');
    await conn.restore(undefined, (st, c) => statuses.push(c ? `${A.statusName(st)}:${c}` : A.statusName(st)));
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const out = { jid: conn.jid, statuses: [...statuses], got, authenticated: conn.authenticated };
    await conn.disconnect();
    return out;
  }, env.prosody.bosh.http);
  expect(restored.jid).toBe(a.jid);
  expect(restored.statuses).toEqual(['ATTACHED']);
  expect(restored.authenticated).toBe(true);
  expect(restored.got).toContain(tag);
  await bob.disconnect();
});

test('restore() of a session the server no longer has fails with ATTACHFAIL and clears storage', async ({ harness, page }) => {
  const a = await harness.evaluate((u) => h.login('a', u, 'alice@localhost', 'alicepass', { keepalive: true }), env.prosody.bosh.http);
  expect(a.ok).toBe(true);
  const saved = await page.evaluate(() => JSON.stringify(sessionStorage));
  await harness.evaluate(() => h.disconnect('a')); // terminates the session on the server (and clears storage)
  await page.evaluate((s) => {
    for (const [k, v] of Object.entries(JSON.parse(s) as Record<string, string>)) sessionStorage.setItem(k, v);
  }, saved);
  const res = await page.evaluate(async (service) => {
    const conn = new A.Connection(service, { keepalive: true });
    const statuses: string[] = [];
    const err = await conn.restore(undefined, (st) => statuses.push(A.statusName(st))).then(
      () => null,
      (e: { status: number; condition: string }) => ({ status: e.status, condition: e.condition }),
    );
    return { err, statuses, left: sessionStorage.length };
  }, env.prosody.bosh.http);
  expect(res.err?.status).toBe(12);
  expect(res.statuses).toContain('ATTACHFAIL');
  expect(res.left).toBe(0);
});

test('attach() takes over a session prebound by a server-side (Node) login', async ({ harness }) => {
  const session = await prebind(env.prosody.bosh.http, 'localhost', 'carol', 'carolpass', uniq('prebind'));
  const res = await harness.evaluate(async (x) => {
    const conn = new A.Connection(x.service);
    const statuses: string[] = [];
    await conn.attach(x.jid, x.sid, x.rid, (st) => statuses.push(A.statusName(st)));
    const pong = await conn.sendIQ(A.$iq({ type: 'get', to: 'localhost' }).c('ping', { xmlns: 'urn:xmpp:ping' }));
    const out = { jid: conn.jid, statuses, pong: pong.getAttribute('type') };
    await conn.disconnect();
    return out;
  }, { service: env.prosody.bosh.http, ...session });
  expect(res).toEqual({ jid: session.jid, statuses: ['ATTACHED', 'DISCONNECTING', 'DISCONNECTED'], pong: 'result' });
});

test('faults between browser and Prosody: 200 messages each way arrive exactly once and in order', async ({ harness }) => {
  test.setTimeout(180_000);
  const kinds: Fault[] = ['http-503', 'drop-request', 'drop-response', 'stall'];
  // a fault on every 2nd request, cycling through the kinds; stalls outlast wait (2 s) + margin (2 s)
  const proxy = await startFaultProxy(env.prosody.bosh.http, (n) => (n > 3 && n % 2 === 0 ? kinds[(n / 2) % kinds.length] : undefined), 6_000);
  const bob = new Connection(env.prosody.websocket.ws, { WebSocket: (await import('ws')).default as never });
  try {
    const a = await harness.evaluate((u) => h.login('a', u, `alice@localhost/${Math.random().toString(36).slice(2)}`, 'alicepass', { wait: 2, maxRetries: 8, boshTiming: { timeoutMargin: 2 } }), proxy.url);
    expect(a, a.text).toMatchObject({ ok: true });
    const fromAlice: string[] = [];
    await bob.connect(`bob@localhost/${uniq('peer')}`, 'bobpass');
    const tag = uniq('f');
    bob.addHandler((m: XmlElement) => {
      const body = m.getChildText('body') ?? '';
      if (body.startsWith(tag)) fromAlice.push(body);
      return true;
    }, null, 'message');
    const N = 200;
    // both directions at once, paced so that requests keep flowing through the proxy
    const sending = harness.evaluate(async (x) => {
      for (let i = 0; i < x.N; i++) {
        h.say('a', x.to, `${x.tag} a→b ${i}`);
        if (i % 2 === 1) await new Promise((r) => setTimeout(r, 100));
      }
    }, { N, to: bob.jid, tag });
    for (let i = 0; i < N; i++) {
      bob.send($msg({ to: a.jid, type: 'chat' }).c('body').t(`${tag} b→a ${i}`));
      if (i % 2 === 1) await new Promise((r) => setTimeout(r, 100));
    }
    await sending.catch(async (e) => {
      throw new Error(`${e}; statuses: ${await harness.evaluate(() => conns.a?.statuses.join(' '))}; faults: ${JSON.stringify(proxy.injected)}`);
    });
    const got = await harness.evaluate((x) => h.inbox('a', `${x.tag} b→a`, x.N, 120_000), { tag, N });
    await expect.poll(() => fromAlice.length, { timeout: 120_000 }).toBe(N);
    expect(got.map((m) => m.body)).toEqual(Array.from({ length: N }, (_, i) => `${tag} b→a ${i}`));
    expect(fromAlice).toEqual(Array.from({ length: N }, (_, i) => `${tag} a→b ${i}`));
    expect(proxy.injected.length).toBeGreaterThanOrEqual(10);
    expect(new Set(proxy.injected.map((f) => f.fault))).toEqual(new Set(kinds));
    await harness.evaluate(() => h.disconnect('a'));
  } finally {
    if (process.env.E2E_VERBOSE) console.log('statuses', await harness.evaluate(() => conns.a?.statuses), JSON.stringify(proxy.injected));
    await bob.disconnect();
    await proxy.close();
  }
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
  expect(unreachable).toMatchObject({ ok: false, status: 2 });
  expect(Date.now() - t0).toBeLessThan(15_000);
  const notBosh = await harness.evaluate(() => h.login('y', `${location.origin}/index.html`, 'alice@localhost', 'x'));
  expect(notBosh).toMatchObject({ ok: false, status: 2 });
  expect(notBosh.text).toMatch(/BOSH/);
});
