// The real Connection over BOSH against the fake endpoint: login, a message round trip, disconnect, restore.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoreConnection } from '../../src/connection.js';
import type { ConnectionError } from '../../src/errors.js';
import type { ConnectionOptions } from '../../src/options.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { BoshTransport } from '../../src/transport/bosh.js';
import { storageKey } from '../../src/transport/bosh-store.js';
import { $msg } from '../../src/xml/builder.js';
import type { XmlElement } from '../../src/xml/element.js';
import { body, FakeBosh, MemoryStorage, xmppServer } from '../helpers/fake-bosh.js';
import { TestPlain } from '../helpers/test-plain.js';

function setup(options: Record<string, unknown> = {}) {
  const server = new FakeBosh(xmppServer({ user: 'alice', password: 'secret', domain: 'example.org' }));
  // `fetch` is a transport option the typed ConnectionOptions does not list: pass it through a variable
  const opts: ConnectionOptions & { fetch: typeof fetch } = { fetch: server.fetch, ...options };
  const conn = new CoreConnection('http://127.0.0.1:5280/http-bind', opts, { transports: [BoshTransport], mechanisms: [TestPlain] });
  const statuses: string[] = [];
  const cb = (s: StatusCode, cond?: string) => statuses.push(cond ? `${statusName(s)}:${cond}` : statusName(s));
  return { server, conn, statuses, cb };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('Connection over BOSH', () => {
  it('logs in, exchanges a message and disconnects', async () => {
    const { server, conn, statuses, cb } = setup();
    await conn.connect('alice@example.org/desk', 'secret', cb);
    expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(conn.jid).toBe('alice@example.org/desk');
    expect(conn.mechanism).toBe('PLAIN');

    const got = new Promise<XmlElement>((resolve) => {
      conn.addHandler((m) => {
        resolve(m);
        return false;
      }, null, 'message', 'chat');
    });
    conn.send($msg({ to: conn.jid, type: 'chat' }).c('body').t('hello over bosh'));
    expect((await got).getChildText('body')).toBe('hello over bosh');

    await conn.disconnect();
    expect(statuses.slice(-2)).toEqual(['DISCONNECTING', 'DISCONNECTED']);
    expect(conn.authenticated).toBe(false);
    // every rid once, consecutive; one terminate carrying the unavailable presence
    const rids = server.rids;
    expect(rids).toEqual(rids.map((_, i) => (rids[0] ?? 0) + i));
    const term = server.requests.filter((r) => r.attrs.type === 'terminate');
    expect(term.length).toBe(1);
    expect(term[0]?.children.map((c) => `${c.localName}:${c.attrs.type}`)).toEqual(['presence:unavailable']);
    expect(server.open).toEqual([]);
  });

  it('reports a wrong password as AUTHFAIL', async () => {
    const { conn, statuses, cb } = setup();
    const err = (await conn.connect('alice@example.org', 'wrong', cb).catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('not-authorized');
    await vi.waitFor(() => expect(statuses.at(-1)).toBe('DISCONNECTED:not-authorized'));
  });

  it('maps a refused domain to CONNFAIL with the BOSH condition', async () => {
    const server = new FakeBosh((r) => r.reply(body({ type: 'terminate', condition: 'host-unknown' })));
    const opts: ConnectionOptions & { fetch: typeof fetch } = { fetch: server.fetch };
    const conn = new CoreConnection('http://127.0.0.1:5280/http-bind', opts, { transports: [BoshTransport], mechanisms: [TestPlain] });
    const err = (await conn.connect('alice@nowhere.example', 'x').catch((e: unknown) => e)) as ConnectionError;
    expect(statusName(err.status)).toBe('CONNFAIL');
    expect(err.condition).toBe('host-unknown');
  });

  it('resumes a kept session with restore() (ATTACHED) and fails a dead one with ATTACHFAIL', async () => {
    vi.stubGlobal('sessionStorage', new MemoryStorage());
    const first = setup({ keepalive: true });
    await first.conn.connect('alice@example.org/tab', 'secret');
    expect(sessionStorage.length).toBe(1);
    expect(sessionStorage.getItem(sessionStorage.key(0) ?? '')).not.toContain('secret');

    // a new page: the same endpoint, a new Connection
    const opts: ConnectionOptions & { fetch: typeof fetch } = { fetch: first.server.fetch, keepalive: true };
    const again = new CoreConnection('http://127.0.0.1:5280/http-bind', opts, { transports: [BoshTransport], mechanisms: [TestPlain] });
    const statuses: string[] = [];
    await again.restore(undefined, (s) => statuses.push(statusName(s)));
    expect(statuses).toEqual(['ATTACHED']);
    expect(again.jid).toBe('alice@example.org/tab');
    await again.disconnect();
    expect(sessionStorage.length).toBe(0);

    const dead = new FakeBosh((r) => r.reply(body({ type: 'terminate', condition: 'item-not-found' })));
    sessionStorage.setItem(storageKey('http://127.0.0.1:5280/http-bind', 'alice@example.org'), JSON.stringify({ jid: 'alice@example.org/tab', sid: 'x', rid: 5, wait: 60, hold: 1, requests: 2, domain: 'example.org' }));
    const opts2: ConnectionOptions & { fetch: typeof fetch } = { fetch: dead.fetch, keepalive: true };
    const third = new CoreConnection('http://127.0.0.1:5280/http-bind', opts2, { transports: [BoshTransport], mechanisms: [TestPlain] });
    const err = (await third.restore().catch((e: unknown) => e)) as ConnectionError;
    expect(statusName(err.status)).toBe('ATTACHFAIL');
    expect(sessionStorage.length).toBe(0);
  });
});
