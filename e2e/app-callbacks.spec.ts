// Application code that throws inside a sendIQ callback is reported to options.onError, never as an uncaught
// error or an unhandled rejection in the page, whether the returned Promise is awaited or dropped.
import { endpoint } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';

for (const scheme of ['ws', 'http'] as const) {
  test(`${scheme === 'ws' ? 'WebSocket' : 'BOSH'}: throwing sendIQ result and error callbacks go to onError; no pageerror, no unhandled rejection`, async ({ harness, env, pageErrors }) => {
    const res = await harness.evaluate(
      async (x) => {
        const rejections: string[] = [];
        window.addEventListener('unhandledrejection', (e) => rejections.push(String(e.reason)));
        const reported: { where: string; message: string }[] = [];
        const conn = new A.Connection(x.service, { onError: (e, where) => reported.push({ where, message: (e as Error).message }) });
        await conn.connect(x.jid, 'alicepass');
        const ping = () => A.$iq({ type: 'get', to: 'localhost' }).c('ping', { xmlns: 'urn:xmpp:ping' });
        const unknown = () => A.$iq({ type: 'get', to: 'localhost' }).c('query', { xmlns: 'urn:x:not-a-thing' });
        // dropped Promises: the callbacks are the only handlers
        conn.sendIQ(ping(), () => {
          throw new Error('result callback (dropped)');
        });
        conn.sendIQ(unknown(), undefined, () => {
          throw new Error('error callback (dropped)');
        });
        // awaited Promises: they settle with the IQ's outcome, whatever the callback did
        const settled = await Promise.allSettled([
          conn.sendIQ(ping(), () => {
            throw new Error('result callback (awaited)');
          }),
          conn.sendIQ(unknown(), undefined, () => {
            throw new Error('error callback (awaited)');
          }),
        ]);
        for (let i = 0; i < 100 && reported.length < 4; i++) await new Promise((r) => setTimeout(r, 20));
        await new Promise((r) => setTimeout(r, 200));
        const still = await conn.sendIQ(ping()).then((r) => r.getAttribute('type'));
        await conn.disconnect();
        return { reported, rejections, settled: settled.map((s) => s.status), still };
      },
      { service: endpoint(env, 'prosody', scheme), jid: `alice@localhost/${uniq('cb')}` },
    );
    const byMessage = [...res.reported].sort((a, b) => a.message.localeCompare(b.message));
    expect(byMessage).toEqual([
      { where: 'sendIQ error callback', message: 'error callback (awaited)' },
      { where: 'sendIQ error callback', message: 'error callback (dropped)' },
      { where: 'sendIQ result callback', message: 'result callback (awaited)' },
      { where: 'sendIQ result callback', message: 'result callback (dropped)' },
    ]);
    expect(res.settled).toEqual(['fulfilled', 'rejected']);
    expect(res.still).toBe('result');
    expect(res.rejections).toEqual([]);
    await harness.waitForTimeout(200);
    expect(pageErrors).toEqual([]);
  });
}
