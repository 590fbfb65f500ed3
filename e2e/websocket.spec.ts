// Foundation e2e: logins, messages, IQs and disconnects over WebSocket against the real Prosody, in Chromium.
import { WebSocketServer } from 'ws';
import { endpoint } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';

test.describe('WebSocket against Prosody', () => {
  test('SCRAM-SHA-1 login when whitelisted, resource bound, clean disconnect', async ({ harness, env }) => {
    const ws = env.prosody.websocket.ws;
    const res = await harness.evaluate(({ ws, r }) => h.login('a', ws, `alice@localhost/${r}`, 'alicepass', { mechanisms: ['SCRAM-SHA-1'] }), { ws: ws, r: uniq('scram1') });
    expect(res.ok).toBe(true);
    expect(res.mechanism).toBe('SCRAM-SHA-1');
    expect(res.jid).toMatch(/^alice@localhost\/scram1-/);
    expect(res.statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    const keys = await harness.evaluate(() => conns.a?.scramKeys);
    expect(keys?.mechanism).toBe('SCRAM-SHA-1');
    const statuses = await harness.evaluate(() => h.disconnect('a'));
    expect(statuses.slice(-2)).toEqual(['DISCONNECTING', 'DISCONNECTED']);
  });

  test('default selection uses the strongest SCRAM the server offers, never PLAIN', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'alice@localhost', 'alicepass'), env.prosody.websocket.ws);
    expect(res.ok).toBe(true);
    expect(res.mechanism).toBe('SCRAM-SHA-256');
    await harness.evaluate(() => h.disconnect('a'));
  });

  test('PLAIN login when whitelisted', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'bob@localhost', 'bobpass', { mechanisms: ['PLAIN'] }), env.prosody.websocket.ws);
    expect(res.ok).toBe(true);
    expect(res.mechanism).toBe('PLAIN');
    await harness.evaluate(() => h.disconnect('a'));
  });

  test('ANONYMOUS login on the anonymous host with a domain-only JID', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'anon.localhost', null), env.prosody.websocket.ws);
    expect(res.ok).toBe(true);
    expect(res.mechanism).toBe('ANONYMOUS');
    expect(res.jid).toMatch(/@anon\.localhost\//);
    await harness.evaluate(() => h.disconnect('a'));
  });

  test('wrong password is AUTHFAIL not-authorized', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'alice@localhost', 'wrong-password'), env.prosody.websocket.ws);
    expect(res.ok).toBe(false);
    expect(res.status).toBe(4);
    expect(res.condition).toBe('not-authorized');
    await expect.poll(() => harness.evaluate(() => conns.a?.statuses.at(-1))).toBe('DISCONNECTED:not-authorized');
  });

  test('two connections exchange messages both ways', async ({ harness, env }) => {
    const ws = env.prosody.websocket.ws;
    const [ra, rb] = [uniq('a'), uniq('b')];
    const a = await harness.evaluate(({ ws, r }) => h.login('a', ws, `alice@localhost/${r}`, 'alicepass'), { ws: ws, r: ra });
    const b = await harness.evaluate(({ ws, r }) => h.login('b', ws, `bob@localhost/${r}`, 'bobpass'), { ws: ws, r: rb });
    expect(a.ok && b.ok).toBe(true);
    const tag = uniq('hello');
    await harness.evaluate(({ to, t }) => h.say('a', to, `${t} from alice ✓ <&> 😀`), { to: b.jid as string, t: tag });
    await harness.evaluate(({ to, t }) => h.say('b', to, `${t} from bob`), { to: a.jid as string, t: tag });
    const gotB = await harness.evaluate((t) => h.inbox('b', t), tag);
    const gotA = await harness.evaluate((t) => h.inbox('a', t), tag);
    expect(gotB[0]?.body).toBe(`${tag} from alice ✓ <&> 😀`);
    expect(gotB[0]?.from).toBe(a.jid);
    expect(gotA[0]?.body).toBe(`${tag} from bob`);
    await harness.evaluate(() => Promise.all([h.disconnect('a'), h.disconnect('b')]));
  });

  test('sendIQ: roster get resolves; an error IQ rejects with IqError', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'alice@localhost', 'alicepass'), env.prosody.websocket.ws);
    expect(res.ok).toBe(true);
    const roster = await harness.evaluate(async () => {
      const result = await conns.a?.sendIQ(A.$iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
      return { type: result?.getAttribute('type'), hasQuery: !!result?.getChild('query', 'jabber:iq:roster') };
    });
    expect(roster).toEqual({ type: 'result', hasQuery: true });
    const err = await harness.evaluate(async () => {
      try {
        await conns.a?.sendIQ(A.$iq({ type: 'get', to: 'nobody-here@localhost' }).c('query', { xmlns: 'urn:x:not-a-thing' }));
        return null;
      } catch (e) {
        const ie = e as InstanceType<typeof A.IqError>;
        return { name: ie.name, condition: ie.condition, type: ie.element?.getAttribute('type') };
      }
    });
    expect(err?.name).toBe('IqError');
    expect(err?.type).toBe('error');
    expect(err?.condition).toMatch(/service-unavailable|item-not-found|feature-not-implemented/);
    await harness.evaluate(() => h.disconnect('a'));
  });

  test('answers a server ping and keeps the session (XEP-0199)', async ({ harness, env }) => {
    const res = await harness.evaluate((ws) => h.login('a', ws, 'alice@localhost', 'alicepass'), env.prosody.websocket.ws);
    expect(res.ok).toBe(true);
    // ping ourselves through the server: the server routes it to our full JID, our client must answer with a result
    const pong = await harness.evaluate(async () => {
      const r = await conns.a?.sendIQ(A.$iq({ type: 'get', to: conns.a.jid }).c('ping', { xmlns: 'urn:xmpp:ping' }));
      return r?.getAttribute('type');
    });
    expect(pong).toBe('result');
    await harness.evaluate(() => h.disconnect('a'));
  });
});

test.describe('hostile WebSocket server', () => {
  test('a malformed frame ends with CONNFAIL bad-format and no uncaught page error', async ({ harness, pageErrors }) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'xmpp' });
    wss.on('connection', (sock) => {
      sock.on('message', (data) => {
        if (String(data).startsWith('<open')) {
          sock.send("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' from='localhost' id='x' version='1.0'/>");
          sock.send("<stream:features xmlns:stream='http://etherx.jabber.org/streams'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features");
        }
      });
    });
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    try {
      const res = await harness.evaluate((url) => h.login('a', url, 'alice@localhost', 'x'), `ws://127.0.0.1:${port}/`);
      expect(res.ok).toBe(false);
      expect(res.status).toBe(2);
      expect(res.condition).toBe('bad-format');
      expect(res.text).toMatch(/frame|XML|complete/i);
      await expect.poll(() => harness.evaluate(() => conns.a?.statuses.at(-1))).toBe('DISCONNECTED:bad-format');
      // filled as errors happen (uncaught errors and unhandled rejections): give late ones a moment to arrive
      await harness.waitForTimeout(300);
      expect(pageErrors).toEqual([]);
    } finally {
      wss.close();
    }
  });

  test('an unreachable WebSocket URL fails fast with CONNFAIL', async ({ harness }) => {
    const t0 = Date.now();
    const res = await harness.evaluate(() => h.login('a', 'ws://127.0.0.1:9/', 'alice@localhost', 'x'));
    expect(res.ok).toBe(false);
    expect(res.status).toBe(2);
    expect(res.condition).toBe('remote-connection-failed');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

test.describe('sax-wasm parser backend', () => {
  test('logs in and exchanges messages with options.parser = sax-wasm (wasm loaded explicitly)', async ({ harness, env }) => {
    const res = await harness.evaluate(async (ws) => {
      const { saxWasmParser } = (await import('/dist/parser/sax-wasm.js' as string)) as typeof import('../src/xml/sax-wasm-parser.js');
      const parser = await saxWasmParser(fetch('/dist/parser/sax-wasm.wasm'));
      const conn = new A.Connection(ws, { parser });
      await conn.connect(`alice@localhost/${Math.random().toString(36).slice(2)}`, 'alicepass');
      const got = new Promise<string>((resolve) => {
        conn.addHandler((m) => {
          resolve(m.getChildText('body') ?? '');
        }, null, 'message', 'chat');
      });
      conn.send(A.$msg({ to: conn.jid, type: 'chat' }).c('body').t('wasm\nparsed <&> 😀'));
      const body = await got;
      const roster = await conn.sendIQ(A.$iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
      await conn.disconnect();
      return { body, mechanism: conn.mechanism, roster: roster.getAttribute('type') };
    }, env.prosody.websocket.ws);
    expect(res).toEqual({ body: 'wasm\nparsed <&> 😀', mechanism: 'SCRAM-SHA-256', roster: 'result' });
  });
});

test.describe('pipelined resource binding (XEP-0305) against both servers', () => {
  const servers = [
    { name: 'Prosody', server: 'prosody', jid: 'alice@localhost', pass: 'alicepass' },
    { name: 'ejabberd', server: 'ejabberd', jid: 'alice@ej.localhost', pass: 'alicepass' },
  ] as const;
  for (const s of servers) {
    for (const pipelining of [true, false]) {
      test(`${s.name}: SCRAM login with pipelining ${pipelining ? 'on (default)' : 'off'}: the bind request leaves ${pipelining ? 'before' : 'after'} the restarted stream's features`, async ({ harness, env }) => {
        const ws = endpoint(env, s.server, 'ws');
        const res = await harness.evaluate(
          async ({ ws, jid, pass, pipelining, resource }) => {
            const trace: string[] = [];
            const conn = new A.Connection(ws, pipelining ? {} : { pipelining: false });
            conn.rawOutput = (d) => trace.push(`out ${d.includes('xmpp-bind') ? 'bind' : 'other'}`);
            conn.xmlInput = (el) => trace.push(`in ${el.localName}`);
            await conn.connect(`${jid}/${resource}`, pass);
            const out = { jid: conn.jid, mechanism: conn.mechanism, trace };
            await conn.disconnect();
            return out;
          },
          { ws, jid: s.jid, pass: s.pass, pipelining, resource: uniq('pipe') },
        );
        expect(res.jid).toMatch(new RegExp(`^${s.jid}/pipe-`));
        expect(res.mechanism).toMatch(/^SCRAM-/);
        // the restart <open/> goes out right after <success/> (transports send it, so the hooks do not see it)
        const success = res.trace.indexOf('in success');
        const bind = res.trace.indexOf('out bind');
        const features = res.trace.indexOf('in features', success);
        expect(success).toBeGreaterThan(0);
        expect(features).toBeGreaterThan(success);
        if (pipelining) expect(bind).toBe(success + 1);
        else expect(bind).toBeGreaterThan(features);
      });
    }
  }
});
