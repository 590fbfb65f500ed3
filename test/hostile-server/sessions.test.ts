// Saved BOSH sessions and redirects against a hostile or careless peer: what is stored is ours alone, per account,
// restore()/attach() end in time, a server's numbers are bounded, and a redirect never leaves TLS.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Status } from '../../src/status.js';
import { storageKey } from '../../src/transport/bosh-store.js';
import { $msg } from '../../src/xml/builder.js';
import { body, FakeBosh, MemoryStorage } from '../helpers/fake-bosh.js';
import { CARRIERS, type Carrier, features, loginServer, mechanisms, saslSuccess, ScriptedXmpp } from '../helpers/scripted-xmpp.js';
import { session, until } from './setup.js';

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  vi.stubGlobal('sessionStorage', storage);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

/** A BOSH server that logs anyone in with PLAIN and binds `<user>@example.org/r`. */
const plainServer = (user = 'user') =>
  loginServer('bosh', { mechs: ['PLAIN'], sasl: (_el, respond) => respond(saslSuccess()), bound: () => `${user}@example.org/r` });
const storedJids = () =>
  Array.from({ length: storage.length }, (_, i) => JSON.parse(storage.getItem(storage.key(i) ?? '') ?? '{}') as { jid: string }).map((s) => s.jid).sort();

describe('saved BOSH sessions', () => {
  it('take the bound JID only from the answer to our own bind request', async () => {
    const server = plainServer();
    const s = session(server, { keepalive: true });
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    expect(storedJids()).toEqual(['user@example.org/r']);
    // any entity can send us an IQ result that looks like a bind answer
    server.reply("<iq xmlns='jabber:client' type='result' id='x' from='evil.example'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>mallory@evil.example/r</jid></bind></iq>");
    await until(() => s.captured.some((c) => c.startsWith('xmlInput') && c.includes('mallory')));
    expect(storedJids()).toEqual(['user@example.org/r']);
    expect(storage.dump()).not.toContain('mallory');
  });

  it('keep one entry per account: Bob never overwrites Alice, Alice’s disconnect never deletes Bob’s', async () => {
    const alice = session(plainServer('alice'), { keepalive: true });
    const bob = session(plainServer('bob'), { keepalive: true });
    // both on the same service URL: the fake servers differ, the URL does not
    expect(alice.conn.service).toBe(bob.conn.service);
    expect(await alice.login('alice@example.org', 'pw')).toBeUndefined();
    expect(await bob.login('bob@example.org', 'pw')).toBeUndefined();
    expect(storedJids()).toEqual(['alice@example.org/r', 'bob@example.org/r']);
    await alice.conn.disconnect();
    expect(storedJids()).toEqual(['bob@example.org/r']);
    expect(bob.conn.connected).toBe(true);
  });

  it('restore(jid) finds that account’s session; restore() needs exactly one', async () => {
    const service = plainServer().service;
    const saved = (jid: string, sid: string) =>
      storage.setItem(storageKey(service, jid), JSON.stringify({ jid, sid, rid: 100, wait: 60, hold: 1, requests: 2, domain: 'example.org' }));
    saved('alice@example.org/r', 'sid-alice');
    saved('bob@example.org/r', 'sid-bob');

    const ambiguous = session(new ScriptedXmpp('bosh', () => {}), { keepalive: true });
    const err = await ambiguous.conn.restore().catch((e: unknown) => e);
    expect(err).toMatchObject({ condition: 'ambiguous-session' });
    expect(storedJids()).toHaveLength(2); // nothing forgotten

    const server = new ScriptedXmpp('bosh', (ev, srv) => {
      if (ev.kind === 'element' && ev.el.localName === 'iq') srv.reply(`<iq xmlns='jabber:client' type='result' id='${ev.el.attrs.id}' from='example.org'/>`);
    });
    const bob = session(server, { keepalive: true });
    await bob.conn.restore('bob@example.org');
    expect(bob.conn.jid).toBe('bob@example.org/r');
    expect(server.requests.every((r) => r.sid === 'sid-bob')).toBe(true);
  });

  it.each(['restore', 'attach'] as const)('%s() against a silent server ends with CONNTIMEOUT at connectTimeout', async (how) => {
    const silent = new FakeBosh(() => {}); // takes every request, answers none
    const server = new ScriptedXmpp('bosh', () => {});
    storage.setItem(storageKey(server.service, 'user@example.org'), JSON.stringify({ jid: 'user@example.org/r', sid: 's', rid: 7, wait: 60, hold: 1, requests: 2, domain: 'example.org' }));
    const s = session(server, { keepalive: true, connectTimeout: 200, fetch: silent.fetch } as never);
    const statuses: number[] = [];
    const started = Date.now();
    const run = how === 'restore' ? s.conn.restore(undefined, (st) => statuses.push(st)) : s.conn.attach('user@example.org/r', 's', 7, (st) => statuses.push(st));
    const err = await run.catch((e: unknown) => e);
    expect(err).toMatchObject({ status: Status.CONNTIMEOUT, condition: 'connection-timeout' });
    expect(statuses).toEqual([Status.CONNTIMEOUT, Status.DISCONNECTED]);
    expect(silent.requests.length).toBeGreaterThan(0);
    expect(silent.open).toEqual([]); // nothing left running
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it.each(['restore', 'attach'] as const)('%s() holds a session that claims hold=1000 to the hold asked: no flood of empty polls', async (how) => {
    // answers restore()'s repeat of the stored rid and the verification ping at once; holds every other request,
    // as a server does until `wait`
    const fake = new FakeBosh((req) => {
      const ping = req.children.find((c) => c.localName === 'iq');
      if (ping) req.reply(body({}, `<iq xmlns='jabber:client' type='result' id='${ping.attrs.id}' from='example.org'/>`));
      else if (req.rid === 7) req.reply(body({}));
    });
    const server = new ScriptedXmpp('bosh', () => {});
    const stored = { jid: 'user@example.org/r', sid: 's', rid: 7, wait: 60, hold: 1000, requests: 1000, domain: 'example.org' };
    storage.setItem(storageKey(server.service, stored.jid), JSON.stringify(stored));
    const s = session(server, { keepalive: true, fetch: fake.fetch } as never);
    await (how === 'restore' ? s.conn.restore() : s.conn.attach(stored.jid, 's', 7, undefined, 60, 1000, 1000));
    expect(s.conn.status).toBe(Status.ATTACHED);
    await new Promise((r) => setTimeout(r, 100));
    // hold 1 (the default asked): one empty poll waits at the server, never hundreds
    expect(fake.open.length).toBeLessThanOrEqual(1);
    expect(fake.requests.length).toBeLessThanOrEqual(4);
    await s.conn.disconnect();
  });

  it('holds the server’s wait to what was asked: a wait of 3,000,000 s neither overflows a timer nor ends the session', async () => {
    const server = plainServer();
    server.createAttrs = { hold: 1, requests: 2, wait: 3_000_000 };
    const s = session(server);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 100));
    // an overflowing timer fires at once: every held request would time out and go out again with the same rid
    const rids = server.requests.map((r) => r.rid);
    expect(new Set(rids).size).toBe(rids.length);
    expect(s.conn.connected).toBe(true);
  });

  it('ignores a server that raises hold or requests above what was asked', async () => {
    const server = plainServer();
    server.createAttrs = { hold: 1000, requests: 5000 };
    const s = session(server);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    // hold 1: one poll held at a time, never a flood of empty requests
    expect(server.requests.filter((r) => !r.settled).length).toBeLessThanOrEqual(2);
  });
});

describe.each(CARRIERS)('redirects (%s)', (carrier: Carrier) => {
  const redirecting = (to: string, tls: boolean): ScriptedXmpp =>
    new ScriptedXmpp(
      carrier,
      (ev, srv) => {
        if (ev.kind === 'open') {
          if (carrier === 'websocket') srv.reply(`<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='${to}'/>`);
          else srv.reply(features(mechanisms('PLAIN')));
        }
      },
      'chat.example',
      tls,
    );

  it('never follows a redirect from TLS to cleartext', async () => {
    const target = carrier === 'websocket' ? 'ws://chat.example/xmpp-websocket' : 'http://chat.example/http-bind';
    if (carrier === 'websocket') {
      const server = redirecting(target, true);
      const s = session(server);
      expect(await s.login('user@chat.example', 'pw')).toMatchObject({ condition: 'see-other-uri' });
      expect(s.statuses).not.toContain('REDIRECT:see-other-uri');
      return;
    }
    const fake = new FakeBosh((req) => req.reply(body({ type: 'terminate', condition: 'see-other-uri' }, `<uri>${target}</uri>`)));
    const server = new ScriptedXmpp('bosh', () => {}, 'chat.example', true);
    const s = session(server, { fetch: fake.fetch } as never);
    expect(await s.login('user@chat.example', 'pw')).toMatchObject({ condition: 'see-other-uri' });
    expect(fake.requests.map((r) => r.url)).toEqual(['https://chat.example/http-bind']);
  });

  it('follows a redirect that stays on TLS (another host included), before authenticating', async () => {
    const target = carrier === 'websocket' ? 'wss://other.example/xmpp-websocket' : 'https://other.example/http-bind';
    let n = 0;
    const fake = new FakeBosh((req) => {
      if (n++ === 0) return req.reply(body({ type: 'terminate', condition: 'see-other-uri' }, `<uri>${target}</uri>`));
      req.reply(body({ type: 'terminate', condition: 'host-unknown' }));
    });
    if (carrier === 'bosh') {
      const s = session(new ScriptedXmpp('bosh', () => {}, 'chat.example', true), { fetch: fake.fetch } as never);
      expect(await s.login('user@chat.example', 'pw')).toMatchObject({ condition: 'host-unknown' });
      expect(s.statuses).toContain('REDIRECT:see-other-uri');
      expect(fake.requests.map((r) => r.url)).toEqual(['https://chat.example/http-bind', target]);
      return;
    }
    const server = redirecting(target, true);
    const s = session(server, { connectTimeout: 300 });
    await s.login('user@chat.example', 'pw');
    expect(s.statuses).toContain('REDIRECT:see-other-uri');
    expect(s.conn.service).toBe(target);
  });

  it.each(['/other-path', 'wss:other.example/xmpp', 'javascript:alert(1)', 'ftp://other.example/x'])(
    'refuses a redirect to %s, which no transport handles: CONNFAIL see-other-uri, then DISCONNECTED, service kept',
    async (target) => {
      const fake = new FakeBosh((req) => req.reply(body({ type: 'terminate', condition: 'see-other-uri' }, `<uri>${target}</uri>`)));
      const server = carrier === 'websocket' ? redirecting(target, true) : new ScriptedXmpp('bosh', () => {}, 'chat.example', true);
      const s = session(server, carrier === 'bosh' ? ({ fetch: fake.fetch } as never) : {});
      const service = s.conn.service;
      const error = await s.login('user@chat.example', 'pw');
      expect(error).toMatchObject({ status: Status.CONNFAIL, condition: 'see-other-uri', text: 'redirect to a URI no transport handles' });
      await until(() => s.statuses.at(-1) === 'DISCONNECTED:see-other-uri', 1000);
      expect(s.statuses).not.toContain('REDIRECT:see-other-uri');
      expect(s.conn.service).toBe(service);
      await s.conn.disconnect(); // resolves: nothing is left hanging
    },
  );
});

describe('a message after login still flows', () => {
  it('over BOSH with the clamped numbers', async () => {
    const server = plainServer();
    server.createAttrs = { hold: 9, requests: 99, wait: 99999, polling: 999999 };
    const echoed: string[] = [];
    server.script = ((orig) => (ev, srv) => {
      if (ev.kind === 'element' && ev.el.localName === 'message') srv.reply(ev.el.toString().replace("to='", "from='"));
      orig(ev, srv);
    })(server.script);
    const s = session(server);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    s.conn.addHandler((m) => {
      echoed.push(m.getChildText('body') ?? '');
      return true;
    }, null, 'message');
    s.conn.send($msg({ to: 'user@example.org/r' }).c('body').t('ping'));
    await until(() => echoed.length > 0);
    expect(echoed).toEqual(['ping']);
  });
});
