// Automatic reconnect against a scripted server on both carriers: resume, a new session, what is sent meanwhile,
// when it must not reconnect, backoff and the browser's offline state, and dead-connection detection.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../src/index.js';
import type { ConnectionOptions } from '../../src/options.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { $msg } from '../../src/xml/builder.js';
import type { XmlElement } from '../../src/xml/element.js';
import { CARRIERS, type Carrier } from '../helpers/scripted-xmpp.js';
import { SmServer } from '../helpers/sm-server.js';
import { until } from '../hostile-server/setup.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const FAST = { initialDelay: 10, maxDelay: 40, jitter: 0 } as const;

function session(carrier: Carrier, options: ConnectionOptions = {}, server = new SmServer(carrier)) {
  const undelivered: XmlElement[] = [];
  const conn = new Connection(server.xmpp.service, {
    ...server.xmpp.options,
    reconnect: FAST,
    connectTimeout: 1000,
    onUndelivered: (els) => undelivered.push(...els),
    ...options,
  });
  const statuses: string[] = [];
  const cb = (s: StatusCode, c?: string) => statuses.push(c ? `${statusName(s)}:${c}` : statusName(s));
  const inbox: string[] = [];
  const ready = conn.connect('user@example.org', 'pw', cb).then(() => {
    conn.addHandler((m) => {
      inbox.push(m.getChildText('body') ?? '');
      return true;
    }, null, 'message');
  });
  return { server, conn, statuses, undelivered, inbox, ready };
}

const chat = (n: number) => $msg({ to: 'echo@example.org', type: 'chat', id: `m${n}` }).c('body').t(`m${n}`);
const lastIs = (statuses: string[], prefix: string) => () => statuses.at(-1)?.startsWith(prefix) ?? false;

describe.each(CARRIERS)('reconnect over %s', (carrier) => {
  it('resumes after a cut: RECONNECTING, then CONNECTED resumed; handlers stay; nothing is lost or doubled', async () => {
    const s = session(carrier);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send([chat(1), chat(2)]);
    await until(() => s.inbox.length === 2);
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    // sent while away: queued, then sent after the resume
    s.conn.send([chat(3), chat(4)]);
    await until(lastIs(s.statuses, 'CONNECTED:resumed'));
    expect(s.conn.resumed).toBe(true);
    await until(() => s.inbox.length === 4);
    expect(s.inbox).toEqual(['m1', 'm2', 'm3', 'm4']);
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    // the reconnect's own steps stay inside: CONNECTING and AUTHENTICATING were the first login's
    expect(s.statuses.filter((x) => x.startsWith('CONNECTING') || x.startsWith('AUTHENTICATING'))).toEqual(['CONNECTING', 'AUTHENTICATING']);
    expect(s.statuses.slice(-2)).toEqual([expect.stringMatching(/^RECONNECTING:/), 'CONNECTED:resumed']);
  });

  /** m1, m2 go out unacknowledged; the server forgets the session, the connection is cut, a new session follows. */
  async function newSessionAfterTwoUnacked(s: ReturnType<typeof session>): Promise<void> {
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send([chat(1), chat(2)]);
    await until(() => s.server.received.length === 2);
    s.server.forgetSessions();
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
  }

  it('a session the server forgot becomes a new one: what it never acknowledged is sent again', async () => {
    const s = session(carrier, { streamManagement: { requestEvery: 100 } });
    await newSessionAfterTwoUnacked(s);
    expect(s.conn.resumed).toBe(false);
    // the server never acknowledged m1, m2: they went out again (duplicates, as the README explains)
    await until(() => s.server.received.length === 4);
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm1', 'm2']);
    await until(() => s.conn.sm?.enabled === true);
  });

  it('…or they go to streamManagement.onUnacked when the application wants to decide', async () => {
    const handed: string[] = [];
    const s = session(carrier, { streamManagement: { requestEvery: 100, onUnacked: (els) => handed.push(...els.map((e) => e.attrs.id ?? '')) } });
    await newSessionAfterTwoUnacked(s);
    expect(handed).toEqual(['m1', 'm2']);
    expect(s.server.received).toHaveLength(2);
  });

  it('without stream management: a new session, and what was sent meanwhile goes out then', async () => {
    const s = session(carrier, { streamManagement: false });
    await s.ready;
    s.server.xmpp.down = true;
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    s.conn.send([chat(1), chat(2)]);
    s.server.xmpp.down = false;
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await until(() => s.server.received.length === 2);
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2']);
  });

  it('never retries after AUTHFAIL (the password changed meanwhile)', async () => {
    const s = session(carrier, { streamManagement: false });
    await s.ready;
    s.server.password = 'changed';
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'DISCONNECTED'));
    expect(s.statuses.slice(-3)).toEqual([expect.stringMatching(/^RECONNECTING/), 'AUTHFAIL:not-authorized', 'DISCONNECTED:not-authorized']);
    const auths = s.server.xmpp.received.filter((e) => e.localName === 'auth').length;
    await new Promise((r) => setTimeout(r, 100));
    expect(s.server.xmpp.received.filter((e) => e.localName === 'auth').length).toBe(auths);
  });

  it('never reconnects after a conflict or policy-violation stream error', async () => {
    for (const condition of ['conflict', 'policy-violation']) {
      const s = session(carrier);
      await s.ready;
      s.server.xmpp.reply(`<stream:error xmlns:stream='http://etherx.jabber.org/streams'><${condition} xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`);
      await until(lastIs(s.statuses, 'DISCONNECTED'));
      expect(s.statuses.slice(-2)).toEqual([`CONNFAIL:${condition}`, `DISCONNECTED:${condition}`]);
      expect(s.statuses).not.toContain(expect.stringMatching(/^RECONNECTING/));
    }
  });

  it('never reconnects after the server closed the stream on purpose (clean close, no error)', async () => {
    const s = session(carrier);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.xmpp.close();
    await until(lastIs(s.statuses, 'DISCONNECTED'));
    expect(s.statuses.at(-1)).toBe('DISCONNECTED:server-closed');
    expect(s.statuses).not.toContain(expect.stringMatching(/^RECONNECTING/));
  });

  it('the IQs of a failed attempt end with it, not at their timeout', async () => {
    const s = session(carrier, { iqTimeout: 60_000, streamManagement: false });
    await s.ready;
    const script = s.server.xmpp.script;
    const binds: string[] = [];
    s.server.xmpp.script = (event, server) => {
      // the first attempt's bind request gets no answer: the connection drops meanwhile
      if (event.kind === 'element' && event.el.getChild('bind') && binds.push(event.el.attrs.id ?? '') === 1) {
        setTimeout(() => server.cut(), 5);
        return;
      }
      script(event, server);
    };
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    expect(binds.length).toBeGreaterThanOrEqual(2);
    // a late answer to the first attempt's bind is no one's any more: the tracker does not hold it, handlers see it
    const seen: string[] = [];
    s.conn.addHandler((iq) => {
      seen.push(iq.attrs.id ?? '');
      return true;
    }, null, 'iq', 'result');
    const first = binds[0] as string;
    s.server.xmpp.reply(`<iq xmlns='jabber:client' type='result' id='${first}'/>`);
    await until(() => seen.length === 1);
    expect(seen).toEqual([first]);
  });

  it('reconnects after a stream error that is not final (system-shutdown)', async () => {
    const s = session(carrier);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.xmpp.reply("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    await until(() => s.statuses.includes('RECONNECTING:system-shutdown'));
    await until(lastIs(s.statuses, 'CONNECTED'));
  });

  it('disconnect() during RECONNECTING stops at once with one final DISCONNECTED', async () => {
    const s = session(carrier, { reconnect: { initialDelay: 50, jitter: 0 } });
    await s.ready;
    s.server.xmpp.down = true;
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    const before = s.statuses.length;
    await s.conn.disconnect();
    expect(s.statuses.slice(before)).toEqual(['DISCONNECTED']);
    const wire = s.server.xmpp.wire.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(s.server.xmpp.wire.length).toBe(wire);
    expect(s.statuses.at(-1)).toBe('DISCONNECTED');
  });

  it('gives up after maxAttempts with the backoff growing between them', async () => {
    const s = session(carrier, { reconnect: { initialDelay: 20, factor: 2, maxDelay: 1000, jitter: 0, maxAttempts: 3 }, streamManagement: false });
    await s.ready;
    s.server.xmpp.down = true;
    const lost = Date.now();
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'DISCONNECTED'), 5000);
    expect(s.statuses.filter((x) => x.startsWith('RECONNECTING'))).toHaveLength(3);
    expect(Date.now() - lost).toBeGreaterThanOrEqual(20 + 40 + 80);
  });

  it('a server that accepts and drops at once: the backoff keeps growing and maxAttempts ends it', async () => {
    const s = session(carrier, { reconnect: { initialDelay: 20, maxDelay: 1000, factor: 2, jitter: 0, maxAttempts: 3 } });
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    const opens: number[] = [];
    const script = s.server.xmpp.script;
    s.server.xmpp.script = (event, server) => {
      script(event, server);
      if (event.kind === 'open' && event.fresh) opens.push(Date.now());
      if (event.kind === 'element' && event.el.localName === 'resume') setTimeout(() => server.cut(), 5);
    };
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'DISCONNECTED'), 5000);
    expect(opens).toHaveLength(3);
    const gaps = opens.slice(1).map((t, i) => t - (opens[i] as number));
    expect(gaps[0]).toBeGreaterThanOrEqual(40);
    expect(gaps[1]).toBeGreaterThanOrEqual(80);
  });

  it('offline: waits for the browser’s online event, then tries at once', async () => {
    const target = new EventTarget();
    vi.stubGlobal('navigator', { onLine: true });
    vi.stubGlobal('addEventListener', target.addEventListener.bind(target));
    vi.stubGlobal('removeEventListener', target.removeEventListener.bind(target));
    const s = session(carrier, { reconnect: { initialDelay: 60_000 } });
    await s.ready;
    (globalThis.navigator as { onLine: boolean }).onLine = false;
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.statuses.at(-1)).toMatch(/^RECONNECTING/);
    (globalThis.navigator as { onLine: boolean }).onLine = true;
    target.dispatchEvent(new Event('online'));
    await until(lastIs(s.statuses, 'CONNECTED'));
  });

  it('a stream lost before <enabled/>: a new session; the binding of the next is not counted as the old one’s', async () => {
    const s = session(carrier, { streamManagement: { maxUnacked: 3, requestEvery: 100 } });
    s.server.onEnable = () => {
      s.server.onEnable = undefined;
      return '';
    };
    await s.ready;
    // counted and queued while <enabled/> is awaited: the queue is full
    s.conn.send([chat(1), chat(2), chat(3)]);
    await until(() => s.server.received.length === 3);
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await until(() => s.server.received.length === 6);
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm3', 'm1', 'm2', 'm3']);
    // one bind per stream: the second one was neither refused by the full queue nor sent again as a leftover
    expect(s.server.xmpp.received.filter((e) => e.localName === 'iq' && e.getChild('bind'))).toHaveLength(2);
    expect(s.statuses.filter((x) => x.includes('internal-error'))).toEqual([]);
  });

  it('what waited during a reconnect goes out after the leftovers, even past maxUnacked', async () => {
    const s = session(carrier, { streamManagement: { maxUnacked: 3, requestEvery: 100 } });
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send([chat(1), chat(2), chat(3)]);
    await until(() => s.server.received.length === 3);
    // the session is forgotten, and the stream after the failed resume is lost during binding
    let binds = 0;
    s.server.onBind = () => {
      if (++binds > 1) return false;
      setTimeout(() => s.server.xmpp.cut(), 0);
      return true;
    };
    s.server.forgetSessions();
    s.server.xmpp.cut();
    await until(() => binds === 1);
    await until(lastIs(s.statuses, 'RECONNECTING'));
    // nothing counts now (the old session is gone, no new one yet): these wait for the next session
    s.conn.send([chat(4), chat(5)]);
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await until(() => s.server.received.length === 8);
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm3', 'm1', 'm2', 'm3', 'm4', 'm5']);
    expect(s.statuses.filter((x) => x.includes('internal-error'))).toEqual([]);
  });

  it('send() while RECONNECTING without stream management is bounded', async () => {
    const s = session(carrier, { streamManagement: false });
    await s.ready;
    s.server.xmpp.down = true;
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    let accepted = 0;
    let refused: unknown;
    for (; accepted <= 500 && !refused; accepted++) {
      try {
        s.conn.send(chat(accepted));
      } catch (e) {
        refused = e;
      }
    }
    expect(refused).toMatchObject({ condition: 'reconnect-queue-full' });
    await s.conn.disconnect();
    // all that waited, and nothing else, is handed back
    expect(s.undelivered).toHaveLength(500);
  });
});

describe('dead-connection detection (WebSocket)', () => {
  it('a server that stops answering is found out by a probe and the session comes back', async () => {
    const s = session('websocket', { pingInterval: 50, pingTimeout: 50 });
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.onR = () => ''; // the probe goes unanswered
    await until(() => s.statuses.includes('RECONNECTING:ping-timeout'), 2000);
    s.server.onR = undefined;
    await until(lastIs(s.statuses, 'CONNECTED'));
    expect(s.server.smTrace).toContain('r');
  });
});

describe('a full queue (WebSocket)', () => {
  it('with the queue full (<enabled/> awaited) the ping still goes out, and disconnect() still closes', async () => {
    const s = session('websocket', { streamManagement: { maxUnacked: 3, requestEvery: 100 }, pingInterval: 30, pingTimeout: 2000 });
    s.server.onEnable = () => '';
    await s.ready;
    s.conn.send([chat(1), chat(2), chat(3)]);
    const pings = () => s.server.xmpp.received.filter((e) => e.localName === 'iq' && e.getChild('ping', 'urn:xmpp:ping'));
    await until(() => pings().length > 0);
    expect(s.statuses.at(-1)).toBe('CONNECTED');
    // its unavailable presence is not refused by the queue limit either
    await s.conn.disconnect();
    expect(s.statuses.at(-1)).toBe('DISCONNECTED');
  });
});

describe.each(CARRIERS)('a hostile <resumed/> (%s)', (carrier) => {
  it('a <resume/> never answered: the attempt times out, the next one starts a new session, nothing lost', async () => {
    const server = new SmServer(carrier);
    const s = session(carrier, { connectTimeout: 800, streamManagement: { requestEvery: 100 } }, server);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send(chat(1));
    await until(() => server.received.length === 1);
    server.onResume = () => undefined; // a server whose resumption crashed (Prosody 13.0.1 over BOSH)
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'), 5000);
    expect(s.conn.resumed).toBe(false);
    expect(s.statuses).toContain('RECONNECTING:connection-timeout');
    // the same resume is not tried again: one <resume/>, then a new session
    expect(server.smTrace.filter((t) => t.startsWith('resume'))).toHaveLength(1);
    // the server never said what it had: m1 goes out again
    await until(() => server.received.length === 2);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1']);
  });

  it('a bind never answered on a reconnect: that attempt times out, the next one brings the session back', async () => {
    const server = new SmServer(carrier);
    const s = session(carrier, { connectTimeout: 800, streamManagement: { requestEvery: 100 } }, server);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send(chat(1));
    await until(() => server.received.length === 1);
    let silent = 1;
    server.onBind = () => silent-- > 0;
    server.forgetSessions();
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'), 5000);
    expect(s.statuses).toContain('RECONNECTING:connection-timeout');
    await until(() => server.received.length === 2);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1']);
  });

  it('naming another session (previd): refused like a wrong h, then a new session with nothing lost', async () => {
    const server = new SmServer(carrier);
    const s = session(carrier, { streamManagement: { requestEvery: 100 } }, server);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send(chat(1));
    await until(() => server.received.length === 1);
    let hostile = true;
    server.onResume = () => {
      if (!hostile) return `<failed xmlns='urn:xmpp:sm:3'/>`;
      hostile = false;
      return `<resumed xmlns='urn:xmpp:sm:3' previd='someone-else' h='0'/>`;
    };
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    expect(s.conn.resumed).toBe(false);
    expect(s.statuses).toContain('RECONNECTING:undefined-condition');
    await until(() => server.received.length === 2);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1']);
  });

  it.each([
    ['an h beyond what was sent', (h: number) => `h='${h + 50}'`],
    ['no h', () => ''],
  ])('%s: stream error, then a new session on the next attempt with nothing lost', async (_what, attr) => {
    const server = new SmServer(carrier);
    const s = session(carrier, { streamManagement: { requestEvery: 100 } }, server);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.conn.send([chat(1), chat(2)]);
    await until(() => server.received.length === 2);
    let hostile = true;
    server.onResume = (el) => {
      if (!hostile) return `<failed xmlns='urn:xmpp:sm:3'/>`;
      hostile = false;
      return `<resumed xmlns='urn:xmpp:sm:3' previd='${el.attrs.previd}' ${attr(server.current?.inbound ?? 0)}/>`;
    };
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    expect(s.statuses).toContain('RECONNECTING:undefined-condition');
    expect(server.xmpp.wireText).toMatch(/<undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    // one resume attempt only: the second login went straight to a new session
    expect(server.smTrace.filter((t) => t.startsWith('resume'))).toHaveLength(1);
    await until(() => server.received.length === 4);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm1', 'm2']);
  });
});
