// BOSH through injected network faults (e2e/support/bosh-fault-proxy.ts) between Chromium and each server:
// 5xx answers, requests dropped before the server, responses dropped after it, stalls past `wait`.
import WebSocket from 'ws';
import { $msg, Connection, type XmlElement } from '../src/index.js';
import { type Fault, startFaultProxy } from './support/bosh-fault-proxy.js';
import { endpoint, type ServerName } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';
import { forBoshServers } from './support/servers.js';

/**
 * The faults each server survives. On ejabberd only responses dropped after it answered: a request lost before it
 * (503, dropped, stalled) lets the next rid overtake it, which ejabberd 24.12 strands, and the resend of the stranded
 * request ends the session with internal-server-error (see EJABBERD_BOSH_RETRIES in support/env.ts).
 */
const FAULTS: Record<ServerName, Fault[]> = {
  prosody: ['http-503', 'drop-request', 'drop-response', 'stall'],
  ejabberd: ['drop-response'],
};

forBoshServers((s) => {
  const kinds = FAULTS[s.server];
  test(`faults between browser and ${s.name} (${kinds.join(', ')}): 200 messages each way arrive exactly once and in order`, async ({ harness, env }) => {
    test.setTimeout(180_000);
    // a fault on every 2nd request, cycling through the kinds; stalls outlast wait (2 s) + margin (2 s)
    const proxy = await startFaultProxy(endpoint(env, s.server, 'http'), (n) => (n > 3 && n % 2 === 0 ? kinds[(n / 2) % kinds.length] : undefined), 6_000);
    const bob = new Connection(endpoint(env, s.server, 'ws'), { WebSocket: WebSocket as never });
    try {
      const a = await harness.evaluate((x) => h.login('a', x.url, `alice@${x.d}/${x.r}`, 'alicepass', { wait: 2, maxRetries: 8, boshTiming: { timeoutMargin: 2 } }), {
        url: proxy.url,
        d: s.domain,
        r: uniq('faults'),
      });
      expect(a, a.text).toMatchObject({ ok: true });
      const fromAlice: string[] = [];
      await bob.connect(`bob@${s.domain}/${uniq('peer')}`, 'bobpass');
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
});
