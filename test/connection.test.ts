// The connection state machine against a scripted fake WebSocket server.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CoreConnection } from '../src/connection.js';
import { ConnectionError, IqError } from '../src/errors.js';
import type { ConnectionOptions } from '../src/options.js';
import { Status, type StatusCode, statusName } from '../src/status.js';
import { WebSocketTransport } from '../src/transport/websocket.js';
import { $iq, $msg } from '../src/xml/builder.js';
import type { XmlElement } from '../src/xml/element.js';
import { FakeServer, features, idOf, loginScript, mechanisms, open, type Script } from './helpers/fake-websocket.js';
import { TestPlain } from './helpers/test-plain.js';

const PASSWORD_B64 = btoa('\0user\0secret');

function setup(script: Script, options: ConnectionOptions = {}) {
  const server = new FakeServer(script);
  const conn = new CoreConnection('ws://127.0.0.1:5280/ws', { WebSocket: server.WebSocket, ...options }, {
    transports: [WebSocketTransport],
    mechanisms: [TestPlain],
  });
  const statuses: string[] = [];
  const cb = (s: StatusCode, cond?: string) => statuses.push(cond ? `${statusName(s)}:${cond}` : statusName(s));
  return { server, conn, statuses, cb };
}

const goodLogin = (extra?: Script) => loginScript({ accept: (f) => f.includes(PASSWORD_B64), extra });

afterEach(() => {
  vi.useRealTimers();
});

describe('Connection over WebSocket', () => {
  it('logs in, binds the resource from the JID and reports CONNECTED', async () => {
    const { server, conn, statuses, cb } = setup(goodLogin());
    await conn.connect('user@example.org/desk', 'secret', cb);
    expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(conn.jid).toBe('user@example.org/desk');
    expect(conn.authenticated).toBe(true);
    expect(conn.mechanism).toBe('PLAIN');
    expect(server.sockets[0]?.protocols).toBe('xmpp');
    expect(server.clientFrames[0]).toContain("to=\"example.org\"");
    expect(server.clientFrames.filter((f) => f.startsWith('<open')).length).toBe(2); // stream restart after SASL
  });

  it('pipelines the bind request behind the stream restart: it leaves before the new stream features arrive', async () => {
    const { server, conn } = setup(goodLogin());
    await conn.connect('user@example.org/desk', 'secret');
    const kind = (l: string) => (l.includes('features') ? 'features' : l.includes('<open') ? 'open' : l.includes('xmpp-bind') ? 'bind' : 'other');
    const log = server.log.map((l) => l.slice(0, 3) + kind(l));
    const restart = log.lastIndexOf('C: open');
    expect(log.slice(restart, restart + 2)).toEqual(['C: open', 'C: bind']);
    expect(log.indexOf('S: features', restart)).toBeGreaterThan(restart + 1);
    expect(conn.jid).toBe('user@example.org/desk');
  });

  it('waits for the new stream features before binding with pipelining: false, or with explicitResourceBinding', async () => {
    const { server, conn } = setup(goodLogin(), { pipelining: false });
    await conn.connect('user@example.org/desk', 'secret');
    const restart = server.log.map((l) => l.startsWith('C: <open')).lastIndexOf(true);
    const bind = server.log.findIndex((l) => l.startsWith('C: ') && l.includes('xmpp-bind'));
    const features = server.log.findIndex((l, i) => i > restart && l.startsWith('S: ') && l.includes('features'));
    expect(features).toBeGreaterThan(restart);
    expect(bind).toBeGreaterThan(features);

    const explicit = setup(goodLogin(), { explicitResourceBinding: true });
    const statuses: string[] = [];
    const done = explicit.conn.connect('user@example.org', 'secret', (st) => {
      statuses.push(statusName(st));
      if (st === Status.BINDREQUIRED) {
        expect(explicit.server.log.some((l) => l.startsWith('C: ') && l.includes('xmpp-bind'))).toBe(false);
        explicit.conn.bind('mine');
      }
    });
    await done;
    expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'BINDREQUIRED', 'CONNECTED']);
    expect(explicit.conn.jid).toBe('user@example.org/mine');
  });

  it('fails bind-unavailable when the restarted stream offers no binding, pipelined or not', async () => {
    // a host whose restarted stream has no <bind/>: it answers the early bind request with an error, or not at all
    const noBind = (answer: boolean) => {
      let authed = false;
      return (frame: string, reply: (...f: string[]) => void) => {
        if (frame.startsWith('<open')) reply(open(), features(authed ? '' : mechanisms('PLAIN')));
        else if (frame.startsWith('<auth')) {
          authed = true;
          reply("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
        } else if (frame.includes('xmpp-bind') && answer) {
          reply(`<iq xmlns='jabber:client' type='error' id='${idOf(frame)}'><error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
        }
      };
    };
    for (const pipelining of [true, false]) {
      for (const answer of [true, false]) {
        const { conn } = setup(noBind(answer), { pipelining, connectTimeout: 2000 });
        const err = await conn.connect('user@example.org/desk', 'secret').catch((e: unknown) => e);
        expect(err, `pipelining ${pipelining}, bind ${answer ? 'refused' : 'ignored'}`).toMatchObject({ status: Status.CONNFAIL, condition: 'bind-unavailable' });
      }
    }
  });

  it('ends the IQs of a replaced attempt: a late bind answer or timeout never reaches the new session', async () => {
    let attempt = 0;
    const perSocket = new Map<unknown, { attempt: number; script: Script }>();
    const server = new FakeServer((frame, reply, socket) => {
      if (!perSocket.has(socket)) perSocket.set(socket, { attempt, script: goodLogin() });
      const s = perSocket.get(socket) as { attempt: number; script: Script };
      if (frame.includes('xmpp-bind') && s.attempt === 1) return; // the first attempt's bind hangs
      s.script(frame, reply, socket);
    });
    const conn = new CoreConnection('ws://127.0.0.1:5280/ws', { WebSocket: server.WebSocket, iqTimeout: 100 }, { transports: [WebSocketTransport], mechanisms: [TestPlain] });
    const log: string[] = [];
    const cb = (n: number) => (st: StatusCode, cond?: string) => log.push(`${n}:${statusName(st)}${cond ? `:${cond}` : ''}`);
    attempt = 1;
    const first = conn.connect('user@example.org/a', 'secret', cb(1));
    await vi.waitFor(() => expect(server.log.some((l) => l.startsWith('C: ') && l.includes('xmpp-bind'))).toBe(true));
    attempt = 2;
    await conn.connect('user@example.org/b', 'secret', cb(2));
    await new Promise((r) => setTimeout(r, 250)); // past the first attempt's bind timeout
    expect(log.filter((l) => l.startsWith('2:'))).toEqual(['2:CONNECTING', '2:AUTHENTICATING', '2:CONNECTED']);
    expect(conn.status).toBe(Status.CONNECTED);
    expect(conn.jid).toBe('user@example.org/b');
    await expect(first).rejects.toMatchObject({ status: Status.DISCONNECTED, condition: 'replaced' });
  });

  it('never puts a service URL query string (a token) into error texts', async () => {
    const { server, conn } = setup(goodLogin());
    server.refuse = true;
    const err = (await conn.connect('user@example.org', 'secret').catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('remote-connection-failed');
    const leaky = new CoreConnection('ws://127.0.0.1:5280/ws?token=s3cret', { WebSocket: server.WebSocket }, { transports: [WebSocketTransport], mechanisms: [TestPlain] });
    const e2 = (await leaky.connect('user@example.org', 'secret').catch((e: unknown) => e)) as ConnectionError;
    expect(e2.text).toContain('ws://127.0.0.1:5280/ws');
    expect(e2.text).not.toContain('s3cret');
    const none = new CoreConnection('ftp://x/?token=s3cret', {}, { transports: [WebSocketTransport], mechanisms: [TestPlain] });
    const e3 = (await none.connect('user@example.org', 'secret').catch((e: unknown) => e)) as ConnectionError;
    expect(e3.condition).toBe('improper-addressing');
    expect(e3.text).not.toContain('s3cret');
  });

  it('sends the session request only when the server marks it mandatory', async () => {
    let authed = false;
    const { server, conn } = setup((frame, reply) => {
      if (frame.startsWith('<open')) {
        reply(open(), features(authed ? "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>" : mechanisms('PLAIN')));
      } else if (frame.startsWith('<auth')) {
        authed = true;
        reply("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
      } else if (frame.includes('xmpp-bind')) {
        reply(`<iq type='result' id='${idOf(frame)}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>user@example.org/x</jid></bind></iq>`);
      } else if (frame.includes('xmpp-session')) reply(`<iq type='result' id='${idOf(frame)}'/>`);
    });
    await conn.connect('user@example.org', 'secret');
    expect(server.clientFrames.some((f) => f.includes('xmpp-session'))).toBe(true);
  });

  it('reports a wrong password as AUTHFAIL not-authorized and rejects with a ConnectionError', async () => {
    const { conn, statuses, cb } = setup(goodLogin());
    const err = await conn.connect('user@example.org', 'wrong', cb).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).status).toBe(Status.AUTHFAIL);
    expect((err as ConnectionError).condition).toBe('not-authorized');
    await vi.waitFor(() => expect(statuses).toContain('DISCONNECTED:not-authorized'));
    expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'AUTHFAIL:not-authorized', 'DISCONNECTED:not-authorized']);
  });

  it('never surfaces an unhandled rejection when a callback is given', async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const { conn, statuses, cb } = setup(goodLogin());
    conn.connect('user@example.org', 'wrong', cb); // promise deliberately ignored
    await vi.waitFor(() => expect(statuses).toContain('DISCONNECTED:not-authorized'));
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('maps a stream error to CONNFAIL with the RFC 6120 condition', async () => {
    const { conn, statuses, cb } = setup((frame, reply) => {
      if (frame.startsWith('<open')) {
        reply(open(), "<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
      }
    });
    const err = (await conn.connect('user@nowhere.example', 'x', cb).catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('host-unknown');
    await vi.waitFor(() => expect(statuses.at(-1)).toBe('DISCONNECTED:host-unknown'));
    expect(statuses).toContain('CONNFAIL:host-unknown');
  });

  it('reads a stream error whose stream prefix the server forgot to declare (Prosody over WebSocket)', async () => {
    const { conn } = setup((frame, reply) => {
      if (frame.startsWith('<open')) reply(open(), "<stream:error><not-authorized xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    });
    const err = (await conn.connect('user@example.org', 'x').catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('not-authorized');
  });

  it.each([
    ['malformed XML', "<message xmlns='jabber:client'><body>x</message>", 'bad-format'],
    ['a DOCTYPE', "<!DOCTYPE x [<!ENTITY a 'b'>]>", 'restricted-xml'],
    ['an incomplete frame', "<message xmlns='jabber:client'><body>", 'bad-format'],
    ['an undeclared prefix', '<foo:bar/>', 'bad-format'],
  ])('ends with CONNFAIL on %s from the server', async (_what, frame, condition) => {
    const { conn, statuses, cb } = setup((f, reply) => {
      if (f.startsWith('<open')) reply(open(), frame);
    });
    const err = (await conn.connect('user@example.org', 'x', cb).catch((e: unknown) => e)) as ConnectionError;
    expect(err.status).toBe(Status.CONNFAIL);
    expect(err.condition).toBe(condition);
    await vi.waitFor(() => expect(statuses.at(-1)).toBe(`DISCONNECTED:${condition}`));
  });

  it('refuses a stanza above maxStanzaSize with policy-violation', async () => {
    const { conn } = setup((f, reply) => {
      if (f.startsWith('<open')) reply(open(), `<message xmlns='jabber:client'><body>${'x'.repeat(2000)}</body></message>`);
    }, { maxStanzaSize: 1000 });
    const err = (await conn.connect('user@example.org', 'x').catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('policy-violation');
  });

  it('fails fast with CONNFAIL when the server cannot be reached', async () => {
    const { server, conn, statuses, cb } = setup(() => {});
    server.refuse = true;
    const err = (await conn.connect('user@example.org', 'x', cb).catch((e: unknown) => e)) as ConnectionError;
    expect(err.condition).toBe('remote-connection-failed');
    expect(statuses).toEqual(['CONNECTING', 'CONNFAIL:remote-connection-failed', 'DISCONNECTED:remote-connection-failed']);
  });

  it('refuses a server that does not speak the xmpp subprotocol', async () => {
    const { server, conn } = setup(() => {});
    server.protocol = '';
    const err = (await conn.connect('user@example.org', 'x').catch((e: unknown) => e)) as ConnectionError;
    expect(err.text).toMatch(/subprotocol/);
  });

  it('reports CONNTIMEOUT when the server never answers', async () => {
    const { conn, statuses, cb } = setup(() => {}, { connectTimeout: 50, disconnectTimeout: 20 });
    const err = (await conn.connect('user@example.org', 'x', cb).catch((e: unknown) => e)) as ConnectionError;
    expect(err.status).toBe(Status.CONNTIMEOUT);
    await vi.waitFor(() => expect(statuses.at(-1)).toMatch(/^DISCONNECTED/));
  });

  it('fails with no-auth-mech naming offered and allowed mechanisms', async () => {
    const { conn } = setup(loginScript({ mechs: ['SCRAM-SHA-1', 'X-FOO'] }));
    const err = (await conn.connect('user@example.org', 'secret').catch((e: unknown) => e)) as ConnectionError;
    expect(err.status).toBe(Status.CONNFAIL);
    expect(err.condition).toBe('no-auth-mech');
    expect(err.text).toContain('SCRAM-SHA-1, X-FOO');
    expect(err.text).toContain('PLAIN');
  });

  it('fails with AUTHFAIL identity-mismatch when the server binds another account', async () => {
    const { conn } = setup(loginScript({ boundJid: 'mallory@example.org/x' }));
    const err = (await conn.connect('user@example.org', 'secret').catch((e: unknown) => e)) as ConnectionError;
    expect(err.status).toBe(Status.AUTHFAIL);
    expect(err.condition).toBe('identity-mismatch');
  });

  it('follows a see-other-uri close to the new WebSocket URL', async () => {
    const first = goodLogin();
    let redirected = false;
    const { server, conn, statuses, cb } = setup((f, reply, socket) => {
      if (!redirected && f.startsWith('<open')) {
        redirected = true;
        return reply("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing' see-other-uri='ws://127.0.0.1:5281/ws'/>");
      }
      first(f, reply, socket);
    });
    await conn.connect('user@example.org', 'secret', cb);
    expect(server.sockets[1]?.url).toBe('ws://127.0.0.1:5281/ws');
    expect(statuses).toContain('REDIRECT:see-other-uri');
    expect(statuses.at(-1)).toBe('CONNECTED');
  });
});

describe('stanzas once connected', () => {
  async function online(extra?: Script, options?: ConnectionOptions) {
    const ctx = setup(goodLogin(extra), options);
    await ctx.conn.connect('user@example.org', 'secret', ctx.cb);
    return ctx;
  }

  it('delivers messages to matching handlers and removes those that return false', async () => {
    const { server, conn } = await online();
    const kept: string[] = [];
    const once: string[] = [];
    conn.addHandler((m) => {
      kept.push(m.getChildText('body') ?? '');
      return true;
    }, null, 'message', 'chat');
    conn.addHandler((m) => {
      once.push(m.getChildText('body') ?? '');
    }, null, 'message');
    server.sockets[0]?.push("<message xmlns='jabber:client' type='chat' from='a@example.org/r'><body>one</body></message>");
    server.sockets[0]?.push("<message xmlns='jabber:client' type='chat' from='a@example.org/r'><body>two</body></message>");
    await vi.waitFor(() => expect(kept).toEqual(['one', 'two']));
    expect(once).toEqual(['one']);
  });

  it('matches handlers by child namespace, id and bare from', async () => {
    const { server, conn } = await online();
    const seen: XmlElement[] = [];
    conn.addHandler((m) => {
      seen.push(m);
      return true;
    }, 'urn:x:test', 'message', null, null, 'a@example.org', { matchBareFromJid: true });
    server.sockets[0]?.push("<message xmlns='jabber:client' from='b@example.org/r'><x xmlns='urn:x:test'/></message>");
    server.sockets[0]?.push("<message xmlns='jabber:client' from='a@example.org/r'><y xmlns='urn:x:other'/></message>");
    server.sockets[0]?.push("<message xmlns='jabber:client' from='a@example.org/r'><x xmlns='urn:x:test'/></message>");
    await vi.waitFor(() => expect(seen.length).toBe(1));
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.length).toBe(1);
  });

  it('reports a throwing handler and keeps it registered', async () => {
    const onError = vi.fn();
    const { server, conn } = await online(undefined, { onError });
    let calls = 0;
    conn.addHandler(() => {
      calls++;
      throw new Error('boom');
    }, null, 'message');
    server.sockets[0]?.push("<message xmlns='jabber:client'><body>1</body></message>", "<message xmlns='jabber:client'><body>2</body></message>");
    await vi.waitFor(() => expect(calls).toBe(2));
    expect(onError).toHaveBeenCalledTimes(2);
    expect(onError.mock.calls[0]?.[0]).toEqual(new Error('boom'));
  });

  it('answers XEP-0199 pings and refuses unhandled IQs with service-unavailable', async () => {
    const { server } = await online();
    server.sockets[0]?.push("<iq xmlns='jabber:client' type='get' id='p1' from='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
    server.sockets[0]?.push("<iq xmlns='jabber:client' type='get' id='v1' from='x@example.org/r'><query xmlns='jabber:iq:version'/></iq>");
    await vi.waitFor(() => expect(server.clientFrames.some((f) => f.includes('id="v1"'))).toBe(true));
    const pong = server.clientFrames.find((f) => f.includes('id="p1"')) ?? '';
    expect(pong).toContain('type="result"');
    expect(pong).toContain('to="example.org"');
    const refusal = server.clientFrames.find((f) => f.includes('id="v1"')) ?? '';
    expect(refusal).toContain('type="error"');
    expect(refusal).toContain('<service-unavailable xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/>');
  });

  it('ignores whitespace keepalives between stanzas', async () => {
    const { server, conn } = await online();
    const got: string[] = [];
    conn.addHandler((m) => {
      got.push(m.getChildText('body') ?? '');
      return true;
    }, null, 'message');
    server.sockets[0]?.push(' ', '\n', "<message xmlns='jabber:client'><body>after</body></message>");
    await vi.waitFor(() => expect(got).toEqual(['after']));
    expect(conn.status).toBe(Status.CONNECTED);
  });

  it('sendIQ resolves with the result and rejects with an IqError on type=error', async () => {
    const { conn } = await online((f, reply) => {
      if (f.includes('jabber:iq:roster')) reply(`<iq xmlns='jabber:client' type='result' id='${idOf(f)}'><query xmlns='jabber:iq:roster'/></iq>`);
      if (f.includes('urn:x:nope')) {
        reply(`<iq xmlns='jabber:client' type='error' id='${idOf(f)}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`);
      }
    });
    const result = await conn.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
    expect(result.getChild('query', 'jabber:iq:roster')).toBeDefined();
    const err = (await conn.sendIQ($iq({ type: 'get' }).c('q', { xmlns: 'urn:x:nope' })).catch((e: unknown) => e)) as IqError;
    expect(err).toBeInstanceOf(IqError);
    expect(err.condition).toBe('item-not-found');
    expect(err.element?.attrs.type).toBe('error');
  });

  it('sendIQ ignores a spoofed answer from another JID and times out', async () => {
    const { conn } = await online((f, reply) => {
      reply(`<iq xmlns='jabber:client' type='result' id='${idOf(f)}' from='mallory@example.org/x'/>`);
    });
    const onError = vi.fn();
    const err = (await conn
      .sendIQ($iq({ type: 'get', to: 'peer@example.org/r' }).c('query', { xmlns: 'urn:x' }), undefined, onError, 50)
      .catch((e: unknown) => e)) as IqError;
    expect(err.condition).toBe('timeout');
    expect(onError).toHaveBeenCalledWith(undefined, err);
  });

  it('disconnect sends unavailable presence and a close, then reports DISCONNECTING and DISCONNECTED', async () => {
    const { server, conn, statuses } = await online();
    await conn.disconnect('bye');
    const frames = server.clientFrames;
    expect(frames.at(-2)).toContain('type="unavailable"');
    expect(frames.at(-2)).toContain('<status>bye</status>');
    expect(frames.at(-1)).toContain('<close');
    expect(statuses.slice(-2)).toEqual(['DISCONNECTING:bye', 'DISCONNECTED']);
    expect(conn.authenticated).toBe(false);
    expect(() => conn.send($msg({ to: 'a@b' }))).toThrow(ConnectionError);
  });

  it('disconnect does not hang when the server never answers the close', async () => {
    const login = goodLogin();
    const ctx = setup((f, reply, socket) => {
      if (!f.startsWith('<close')) login(f, reply, socket);
    }, { disconnectTimeout: 30 });
    await ctx.conn.connect('user@example.org', 'secret', ctx.cb);
    await ctx.conn.disconnect();
    expect(ctx.statuses.at(-1)).toBe('DISCONNECTED');
  });

  it('reports an unexpected socket close as DISCONNECTED connection-lost and fails pending IQs', async () => {
    const { server, conn, statuses } = await online();
    const pending = conn.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'urn:x:slow' }));
    server.sockets[0]?.serverClose(1006);
    const err = (await pending.catch((e: unknown) => e)) as IqError;
    expect(err.condition).toBe('disconnected');
    expect(statuses.at(-1)).toBe('DISCONNECTED:connection-lost');
  });

  it('redacts SASL payloads in debug hooks', async () => {
    const ctx = setup(goodLogin());
    const raw: string[] = [];
    ctx.conn.rawOutput = (d) => raw.push(d);
    await ctx.conn.connect('user@example.org', 'secret');
    const auth = raw.find((d) => d.startsWith('<auth')) ?? '';
    expect(auth).toContain('[redacted]');
    expect(raw.join('')).not.toContain(PASSWORD_B64);
  });

  it('keeps two connections fully separate', async () => {
    const a = await online();
    const b = await online();
    const gotA: string[] = [];
    const gotB: string[] = [];
    a.conn.addHandler((m) => !!gotA.push(m.getChildText('body') ?? ''), null, 'message');
    b.conn.addHandler((m) => !!gotB.push(m.getChildText('body') ?? ''), null, 'message');
    a.server.sockets[0]?.push("<message xmlns='jabber:client'><body>for-a</body></message>");
    await vi.waitFor(() => expect(gotA).toEqual(['for-a']));
    expect(gotB).toEqual([]);
    expect(a.conn.getUniqueId()).not.toBe(b.conn.getUniqueId());
  });

  it('runs timed handlers until they return false', async () => {
    const { conn } = await online();
    let n = 0;
    conn.addTimedHandler(5, () => ++n < 3);
    await vi.waitFor(() => expect(n).toBe(3));
    await new Promise((r) => setTimeout(r, 30));
    expect(n).toBe(3);
  });

  it.each([Number.POSITIVE_INFINITY, -1, 2 ** 31, '5'])('refuses a timed handler period of %s (a timer would fire at once)', async (period) => {
    const { conn } = await online();
    let n = 0;
    expect(() => conn.addTimedHandler(period as number, () => ++n > 0)).toThrow(expect.objectContaining({ condition: 'invalid-option' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(n).toBe(0);
  });
});
