// Automatic reconnect against the real servers, in Chromium: a server restarted while the client is online, the
// browser going offline and online again (Playwright's context.setOffline), disconnect() while RECONNECTING, and
// a password changed on the server meanwhile (AUTHFAIL on the re-login ends it, no retry loop).
import type { Page } from 'playwright/test';
import WebSocket from 'ws';
import { $msg, Connection } from '../src/index.js';
import { Cutter } from './support/cutter.js';
import { server } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';
import { EJABBERD, PROSODY } from './support/servers.js';
import { restartProsody, type SessionServer, sessionServer, setPassword, unregister } from './support/session-servers.js';
import { startWsCutProxy } from './support/ws-cut-proxy.js';

const FAST = { reconnect: { initialDelay: 50, maxDelay: 400 }, connectTimeout: 10_000 };

async function load(page: Page): Promise<void> {
  await page.evaluate(() => import('/sessions.js' as string));
}

const last = (page: Page) => page.evaluate(() => S.statuses('a').at(-1) ?? null);

/** Bob (Node, direct) sends `id` to alice's current full JID until her handler has it (a message may cross a cut). */
async function reaches(page: Page, bob: Connection, id: string): Promise<void> {
  const to = (await page.evaluate(() => S.report('a'))).jid;
  bob.send($msg({ to, type: 'chat', id }).c('body').t(id));
  await expect.poll(() => page.evaluate((x) => S.has('a', x), id), { timeout: 5000 }).toBe(true);
}

test.describe('reconnect: the server restarts while online', () => {
  for (const transport of ['ws', 'bosh'] as const) {
    test(`Prosody ${transport === 'ws' ? 'WebSocket' : 'BOSH'}: back within 10 s, handlers still fire`, async ({ harness }) => {
      test.setTimeout(90_000);
      const x = await sessionServer('prosody', 'restart');
      await load(harness);
      const tag = uniq('r').replace(/-/g, '');
      const login = await harness.evaluate(
        (a) => S.login('a', a.url, `alice@${a.domain}/${a.res}`, 'alicepass', a.options, a.tag, false),
        { url: transport === 'ws' ? x.websocket : x.bosh, domain: x.domain, res: uniq('alice'), options: { ...FAST, pingInterval: 1000, pingTimeout: 1500, ...(transport === 'bosh' ? { wait: 5 } : {}) }, tag },
      );
      expect(login.ok, login.condition).toBe(true);
      await restartProsody('restart');
      const up = Date.now();
      await expect.poll(() => last(harness), { timeout: 10_000, intervals: [100] }).toMatchObject({ name: 'CONNECTED', condition: expect.stringMatching(/^(resumed|new-session)$/) });
      const back = Date.now() - up;
      const statuses = await harness.evaluate(() => S.statuses('a'));
      expect(statuses.map((s) => s.name)).toContain('RECONNECTING');
      console.log(`[sessions] Prosody restart, ${transport}: online again ${back} ms after the server, ${statuses.at(-1)?.condition}`);
      const bob = new Connection(x.websocket, { WebSocket: WebSocket as never });
      await bob.connect(`bob@${x.domain}/${uniq('bob')}`, 'bobpass');
      try {
        await reaches(harness, bob, `${tag}1`);
      } finally {
        await bob.disconnect();
        await harness.evaluate(() => S.disconnect('a'));
      }
    });
  }
});

test('reconnect: offline and online again (context.setOffline): waits offline, resumes when online', async ({ harness, env, context }) => {
  test.setTimeout(60_000);
  await load(harness);
  const tag = uniq('o').replace(/-/g, '');
  const login = await harness.evaluate((a) => S.login('a', a.url, `alice@hashed.localhost/${a.res}`, 'alicepass', a.options, a.tag, false), {
    url: env.prosody.websocket.ws,
    res: uniq('alice'),
    options: { ...FAST, pingInterval: 500, pingTimeout: 1000 },
    tag,
  });
  expect(login.ok, login.condition).toBe(true);
  await expect.poll(() => harness.evaluate(() => S.report('a').sm?.enabled)).toBe(true);
  await context.setOffline(true);
  expect(await harness.evaluate(() => navigator.onLine)).toBe(false);
  await expect.poll(() => last(harness), { timeout: 10_000 }).toMatchObject({ name: 'RECONNECTING' });
  // offline, it waits for the browser's online event: no attempt, no other status
  const waiting = (await harness.evaluate(() => S.statuses('a'))).length;
  await harness.waitForTimeout(1500);
  expect((await harness.evaluate(() => S.statuses('a'))).length).toBe(waiting);
  await context.setOffline(false);
  const online = Date.now();
  await expect.poll(() => last(harness), { timeout: 10_000, intervals: [50] }).toMatchObject({ name: 'CONNECTED', condition: 'resumed' });
  console.log(`[sessions] setOffline: resumed ${Date.now() - online} ms after the browser was online again`);
  const bob = new Connection(env.prosody.websocket.ws, { WebSocket: WebSocket as never });
  await bob.connect(`bob@localhost/${uniq('bob')}`, 'bobpass');
  try {
    await reaches(harness, bob, `${tag}1`);
  } finally {
    await bob.disconnect();
    await harness.evaluate(() => S.disconnect('a'));
  }
});

test('reconnect: disconnect() while RECONNECTING ends in one DISCONNECTED, no further attempt', async ({ harness, env }) => {
  await load(harness);
  const cutter = new Cutter([], { tag: 'none' });
  const proxy = await startWsCutProxy(env.prosody.websocket.ws, cutter);
  try {
    const login = await harness.evaluate((a) => S.login('a', a.url, `alice@localhost/${a.res}`, 'alicepass', a.options, 'none', false), {
      url: proxy.url,
      res: uniq('alice'),
      options: { reconnect: { initialDelay: 300, maxDelay: 300 } },
    });
    expect(login.ok, login.condition).toBe(true);
    // the server cannot be reached any more: attempts keep failing
    cutter.block(Number.POSITIVE_INFINITY);
    proxy.cut();
    await expect.poll(() => proxy.attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect((await last(harness))?.name).toBe('RECONNECTING');
    const statuses = await harness.evaluate(() => S.disconnect('a'));
    const attempts = proxy.attempts;
    const names = statuses.map((s) => s.name);
    const after = names.slice(names.lastIndexOf('RECONNECTING') + 1);
    expect(after).toEqual(['DISCONNECTED']);
    await harness.waitForTimeout(1500);
    expect(proxy.attempts, 'attempts after disconnect()').toBe(attempts);
    expect((await harness.evaluate(() => S.statuses('a'))).length, 'statuses after disconnect()').toBe(statuses.length);
  } finally {
    await proxy.close();
  }
});

test.describe('reconnect: the password changed on the server meanwhile', () => {
  for (const s of [PROSODY, EJABBERD]) {
    test(`${s.name}: AUTHFAIL on the re-login ends in DISCONNECTED, no retry loop`, async ({ harness, env }) => {
      test.setTimeout(60_000);
      if (s.server === 'ejabberd') server(env, 'ejabberd');
      const x: SessionServer = await sessionServer(s.server, 'sm');
      const user = uniq('pw').replace(/-/g, '');
      await setPassword(x, user, 'before');
      await load(harness);
      // every <resume/> names an unknown session: the reconnect must log in again
      const cutter = new Cutter([], { tag: 'none', failResume: true });
      const proxy = await startWsCutProxy(x.websocket, cutter);
      try {
        const login = await harness.evaluate((a) => S.login('a', a.url, a.jid, 'before', a.options, 'none', false), {
          url: proxy.url,
          jid: `${user}@${x.domain}/${uniq('r')}`,
          options: { reconnect: { initialDelay: 50, maxDelay: 200 } },
        });
        expect(login.ok, login.condition).toBe(true);
        await expect.poll(() => harness.evaluate(() => S.report('a').sm?.enabled)).toBe(true);
        await setPassword(x, user, 'after');
        proxy.cut();
        await expect.poll(() => last(harness), { timeout: 15_000 }).toMatchObject({ name: 'DISCONNECTED' });
        const statuses = await harness.evaluate(() => S.statuses('a'));
        const attempts = proxy.attempts;
        await harness.waitForTimeout(1500);
        expect(proxy.attempts, 'no attempt after the AUTHFAIL').toBe(attempts);
        const names = statuses.map((st) => st.name);
        expect(names.filter((n) => n === 'AUTHFAIL')).toHaveLength(1);
        expect(names.filter((n) => n === 'DISCONNECTED')).toHaveLength(1);
        expect(names.slice(names.indexOf('RECONNECTING'))).toEqual(['RECONNECTING', 'AUTHFAIL', 'DISCONNECTED']);
        expect(await harness.evaluate(() => S.statuses('a').length)).toBe(statuses.length);
      } finally {
        await proxy.close();
        await unregister(x, user);
      }
    });
  }
});
