// Application code that starts another attempt (connect) or ends the session (disconnect) from inside its status
// callback, at every status after which the connection still has work to do: the new attempt must run on a clean
// connection, the old attempt's Promise must settle once, and no status of the old attempt may follow.
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/index.js';
import type { ConnectionOptions } from '../../src/options.js';
import { Status, type StatusCode, statusName } from '../../src/status.js';
import { $msg } from '../../src/xml/builder.js';
import { CARRIERS, type Carrier, loginServer, payload, saslFailure, saslSuccess, type ScriptedXmpp } from '../helpers/scripted-xmpp.js';
import { SmServer } from '../helpers/sm-server.js';
import { until } from './setup.js';

const STREAM_ERROR = `<stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`;

/** Logs in with the password `right` only; `firstOpen` may replace the server's answer to the first stream. */
function server(carrier: Carrier, firstOpen?: (srv: ScriptedXmpp) => void): ScriptedXmpp {
  const srv = loginServer(carrier, {
    mechs: ['PLAIN'],
    sasl: (el, respond) => respond(payload(el).endsWith('\0right') ? saslSuccess() : saslFailure()),
  });
  const script = srv.script;
  let fresh = 0;
  srv.script = (event, s) => {
    if (event.kind === 'open' && event.fresh && ++fresh === 1 && firstOpen) return firstOpen(s);
    script(event, s);
  };
  return srv;
}

const name = (s: StatusCode, c?: string) => (c ? `${statusName(s)}:${c}` : statusName(s));
const settle = (p: Promise<void>) => p.then(() => 'resolved', (e: Error) => `rejected ${e.message}`);

interface Run {
  first: string[];
  second: string[];
  firstOutcome: Promise<string>;
  secondOutcome: () => Promise<string> | undefined;
  conn: Connection;
}

/** connect(firstJid, firstPass); at `at`, the callback connects again as user@example.org / right. */
function reconnectAt(srv: ScriptedXmpp, at: StatusCode, firstPass: string, firstJid = 'user@example.org', options: ConnectionOptions = {}): Run {
  const conn = new Connection(srv.service, { ...srv.options, connectTimeout: 2000, ...options });
  const first: string[] = [];
  const second: string[] = [];
  let secondPromise: Promise<string> | undefined;
  const firstPromise = conn.connect(firstJid, firstPass, (s, c) => {
    first.push(name(s, c));
    if (s === at && !secondPromise) secondPromise = settle(conn.connect('user@example.org', 'right', (s2, c2) => second.push(name(s2, c2))));
  });
  return { first, second, conn, firstOutcome: settle(firstPromise), secondOutcome: () => secondPromise };
}

describe.each(CARRIERS)('connect() from inside the status callback (%s)', (carrier: Carrier) => {
  it('at AUTHFAIL: the retry logs in; the first attempt ends at AUTHFAIL with its own error', async () => {
    const run = reconnectAt(server(carrier), Status.AUTHFAIL, 'wrong');
    expect(await run.firstOutcome).toMatch(/^rejected AUTHFAIL not-authorized/);
    expect(await run.secondOutcome()).toBe('resolved');
    expect(run.first).toEqual(['CONNECTING', 'AUTHENTICATING', 'AUTHFAIL:not-authorized']);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(run.conn.status).toBe(Status.CONNECTED);
    await new Promise((r) => setTimeout(r, 50));
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
  });

  it('at CONNFAIL after a stream error: the retry logs in on a new stream', async () => {
    const run = reconnectAt(server(carrier, (s) => s.reply(STREAM_ERROR)), Status.CONNFAIL, 'right');
    expect(await run.firstOutcome).toMatch(/^rejected CONNFAIL host-unknown/);
    expect(await run.secondOutcome()).toBe('resolved');
    expect(run.first).toEqual(['CONNECTING', 'CONNFAIL:host-unknown']);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    await new Promise((r) => setTimeout(r, 50));
    expect(run.second.at(-1)).toBe('CONNECTED');
  });

  it('at CONNFAIL before any transport (a bad JID): the retry logs in', async () => {
    const run = reconnectAt(server(carrier), Status.CONNFAIL, 'right', 'a@@b');
    expect(await run.firstOutcome).toMatch(/^rejected CONNFAIL improper-addressing/);
    expect(await run.secondOutcome()).toBe('resolved');
    expect(run.first).toEqual(['CONNFAIL:improper-addressing']);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
  });

  it('at CONNECTED: the first Promise resolves; the second resolves only at its own CONNECTED', async () => {
    const run = reconnectAt(server(carrier), Status.CONNECTED, 'right');
    expect(await run.firstOutcome).toBe('resolved');
    const second = run.secondOutcome();
    // not yet: the second attempt has only begun
    expect(run.second).toEqual(['CONNECTING']);
    expect(await second).toBe('resolved');
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(run.first).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
  });

  it('at CONNECTING: the first attempt is replaced, the second logs in', async () => {
    const srv = server(carrier);
    const run = reconnectAt(srv, Status.CONNECTING, 'right');
    expect(await run.firstOutcome).toBe('rejected DISCONNECTED replaced');
    expect(await run.secondOutcome()).toBe('resolved');
    expect(run.first).toEqual(['CONNECTING']);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
  });

  it('at DISCONNECTED after a cut: the new login works and its Promise resolves', async () => {
    const srv = server(carrier);
    const run = reconnectAt(srv, Status.DISCONNECTED, 'right');
    expect(await run.firstOutcome).toBe('resolved');
    srv.cut();
    await until(() => run.second.at(-1) === 'CONNECTED');
    expect(await run.secondOutcome()).toBe('resolved');
    expect(run.first.at(-1)).toMatch(/^DISCONNECTED/);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(run.conn.authenticated).toBe(true);
  });

  it('at RECONNECTING: the reconnect stops; only the new login goes on', async () => {
    const srv = server(carrier);
    const run = reconnectAt(srv, Status.RECONNECTING, 'right', 'user@example.org', { reconnect: { initialDelay: 5, jitter: 0 }, streamManagement: false });
    expect(await run.firstOutcome).toBe('resolved');
    srv.cut();
    await until(() => run.second.at(-1) === 'CONNECTED');
    await new Promise((r) => setTimeout(r, 60)); // past the reconnect delay: no attempt of the old session's
    expect(run.first.slice(-1)[0]).toMatch(/^RECONNECTING/);
    expect(run.second).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
  });
});

describe.each(CARRIERS)('disconnect() from inside the status callback (%s)', (carrier: Carrier) => {
  it.each([
    ['CONNFAIL', Status.CONNFAIL, 'right'],
    ['AUTHFAIL', Status.AUTHFAIL, 'wrong'],
    ['CONNECTED', Status.CONNECTED, 'right'],
  ] as const)('at %s: DISCONNECTED once, and disconnect() resolves', async (_label, at, pass) => {
    const srv = server(carrier, at === Status.CONNFAIL ? (s) => s.reply(STREAM_ERROR) : undefined);
    const conn = new Connection(srv.service, { ...srv.options, connectTimeout: 2000, disconnectTimeout: 200 });
    const statuses: string[] = [];
    let done: Promise<string> | undefined;
    conn
      .connect('user@example.org', pass, (s, c) => {
        statuses.push(name(s, c));
        if (s === at) done = conn.disconnect().then(() => 'resolved');
      })
      .catch(() => {});
    await until(() => done !== undefined);
    expect(await done).toBe('resolved');
    await new Promise((r) => setTimeout(r, 30));
    expect(statuses.filter((x) => x.startsWith('DISCONNECTED'))).toHaveLength(1);
    expect(statuses.at(-1)).toMatch(/^DISCONNECTED/);
    expect(conn.status).toBe(Status.DISCONNECTED);
  });

  it('at RECONNECTING: DISCONNECTED, and no reconnect attempt follows', async () => {
    const srv = server(carrier);
    const conn = new Connection(srv.service, { ...srv.options, reconnect: { initialDelay: 5, jitter: 0 }, streamManagement: false });
    const statuses: string[] = [];
    await conn.connect('user@example.org', 'right', (s, c) => {
      statuses.push(name(s, c));
      if (s === Status.RECONNECTING) void conn.disconnect();
    });
    const opens = srv.trace.filter((t) => t === 'open').length;
    srv.cut();
    await until(() => statuses.at(-1)?.startsWith('DISCONNECTED') === true);
    await new Promise((r) => setTimeout(r, 60));
    expect(statuses.slice(3)).toEqual([expect.stringMatching(/^RECONNECTING:/), 'DISCONNECTED']);
    expect(srv.trace.filter((t) => t === 'open').length).toBe(opens);
  });
});

describe('the other application code that can start an attempt', () => {
  it('a connect() from onUndelivered at the end of a session starts on a clean connection', async () => {
    const sm = new SmServer('websocket');
    sm.onR = () => ''; // never acknowledges: what is sent stays undelivered
    let second: Promise<string> | undefined;
    const statuses: string[] = [];
    const conn: Connection = new Connection(sm.xmpp.service, {
      ...sm.xmpp.options,
      streamManagement: { resume: false },
      onUndelivered: () => {
        second ??= settle(conn.connect('user@example.org', 'pw', (s, c) => statuses.push(name(s, c))));
      },
    });
    const first: string[] = [];
    await conn.connect('user@example.org', 'pw', (s, c) => first.push(name(s, c)));
    await until(() => conn.sm?.enabled === true);
    conn.send($msg({ to: 'echo@example.org' }).c('body').t('lost'));
    sm.xmpp.cut();
    await until(() => second !== undefined);
    expect(await second).toBe('resolved');
    expect(statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    // the new attempt took over before DISCONNECTED: the old one reports nothing more
    expect(first).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
    expect(conn.status).toBe(Status.CONNECTED);
  });
});
