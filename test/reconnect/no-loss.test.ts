// Nothing is lost, doubled or miscounted around a reconnect, on both carriers: what arrives with the answer that
// ends the negotiation, a session that cannot be resumed, the negotiation's own IQs, what is sent meanwhile, and
// application callbacks that throw.
import { describe, expect, it } from 'vitest';
import { Connection } from '../../src/index.js';
import type { ConnectionOptions } from '../../src/options.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { $iq, $msg } from '../../src/xml/builder.js';
import { XmlElement } from '../../src/xml/element.js';
import { CARRIERS, type Carrier } from '../helpers/scripted-xmpp.js';
import { NS_SM, SmServer } from '../helpers/sm-server.js';
import { until } from '../hostile-server/setup.js';

const FAST = { initialDelay: 10, maxDelay: 40, jitter: 0 } as const;
const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const chat = (n: number) => $msg({ to: 'echo@example.org', type: 'chat', id: `m${n}` }).c('body').t(`m${n}`);
const incoming = (body: string) => `<message xmlns='jabber:client' from='friend@example.org/x' to='user@example.org/r1' type='chat'><body>${body}</body></message>`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A connection whose message handler is there before connect(): it sees what arrives with the login's last answer. */
function session(carrier: Carrier, options: ConnectionOptions = {}, server = new SmServer(carrier)) {
  const undelivered: XmlElement[] = [];
  const errors: unknown[] = [];
  const conn = new Connection(server.xmpp.service, {
    ...server.xmpp.options,
    reconnect: FAST,
    connectTimeout: 1000,
    onUndelivered: (els) => undelivered.push(...els),
    onError: (e) => errors.push(e),
    ...options,
  });
  const inbox: string[] = [];
  conn.addHandler((m) => {
    inbox.push(m.getChildText('body') ?? '');
    return true;
  }, null, 'message');
  const statuses: string[] = [];
  const ready = conn.connect('user@example.org', 'pw', (s: StatusCode, c?: string) => statuses.push(c ? `${statusName(s)}:${c}` : statusName(s)));
  return { server, conn, statuses, undelivered, errors, inbox, ready };
}

const lastIs = (statuses: string[], prefix: string) => () => statuses.at(-1)?.startsWith(prefix) ?? false;

/** Makes the server send `extra` right behind the first reply that `match` picks, in the same BOSH body. */
function behind(server: SmServer, match: (xml: string) => boolean, extra: () => string[]): void {
  const reply = server.xmpp.reply.bind(server.xmpp);
  let done = false;
  server.xmpp.reply = (...xml: string[]) => {
    if (done || !xml.some(match)) return reply(...xml);
    done = true;
    reply(...xml, ...extra());
  };
}

describe.each(CARRIERS)('nothing lost around a reconnect (%s)', (carrier) => {
  it('stanzas, IQ answers and <r/> right behind <resumed/> are dispatched and counted, in order', async () => {
    const s = session(carrier, { streamManagement: { requestEvery: 100 } });
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.drop = (el) => el.localName === 'iq';
    const answer = s.conn.sendIQ($iq({ type: 'get', to: 'example.org', id: 'q1' }).c('ping', { xmlns: 'urn:xmpp:ping' }));
    await sleep(20);
    behind(
      s.server,
      (x) => x.startsWith('<resumed'),
      () => [incoming('after-resume'), "<iq xmlns='jabber:client' type='result' id='q1' from='example.org' to='user@example.org/r1'/>", `<r xmlns='${NS_SM}'/>`],
    );
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:resumed'));
    await until(() => s.server.smTrace.includes('a:2'));
    expect(s.inbox).toEqual(['after-resume']);
    await expect(answer).resolves.toMatchObject({ attrs: { id: 'q1', type: 'result' } });
    expect(s.conn.sm?.inbound).toBe(2);
    await s.conn.disconnect();
  });

  it('a stanza right behind the bind result reaches the application', async () => {
    const server = new SmServer(carrier);
    behind(server, (x) => x.includes(`<bind xmlns='${NS_BIND}'><jid>`), () => [incoming('with-bind')]);
    const s = session(carrier, {}, server);
    await s.ready;
    await until(() => s.inbox.length === 1);
    expect(s.inbox).toEqual(['with-bind']);
    await s.conn.disconnect();
  });

  it('a session that cannot be resumed ends at the loss: its stanzas go to the new one, even without SM there', async () => {
    const server = new SmServer(carrier, { resumable: false });
    const s = session(carrier, { streamManagement: { requestEvery: 100 } }, server);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    server.drop = (el) => el.attrs.id === 'm2'; // lost in transit
    s.conn.send([chat(1), chat(2)]);
    await until(() => server.received.length === 1);
    server.drop = undefined;
    // the server the reconnect reaches has no stream management
    const reply = server.xmpp.reply.bind(server.xmpp);
    server.xmpp.reply = (...xml: string[]) => reply(...xml.map((x) => x.replace(`<sm xmlns='${NS_SM}'/>`, '')));
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    expect(s.conn.sm?.enabled).toBe(false);
    s.conn.send(chat(3));
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await until(() => server.received.length === 4);
    // m1 again: the server never said it had it (the price of never losing one); then m2, then what waited
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1', 'm2', 'm3']);
    expect(s.conn.sm).toMatchObject({ enabled: false, unacked: 0 });
    s.conn.send(chat(4)); // not counted into a dead queue
    expect(s.conn.sm?.unacked).toBe(0);
    await s.conn.disconnect();
    expect(s.undelivered).toEqual([]);
  });

  it('a loss before <enabled/>: the next bind IQ is not counted, never sent twice, never handed to onUnacked', async () => {
    const unacked: XmlElement[][] = [];
    const server = new SmServer(carrier);
    server.onEnable = () => ''; // <enabled/> is lost with the connection
    const s = session(carrier, { streamManagement: { onUnacked: (els) => unacked.push(els) } }, server);
    await s.ready;
    await sleep(20);
    server.onEnable = undefined;
    server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await until(() => s.conn.sm?.enabled === true);
    await sleep(30);
    const binds = server.xmpp.received.filter((e) => e.localName === 'iq' && e.getChild('bind', NS_BIND));
    expect(binds).toHaveLength(2);
    expect(unacked).toEqual([]);
    expect(s.conn.sm).toMatchObject({ outbound: 0, unacked: 0 });
    await s.conn.disconnect();
  });

  it('an onUnacked that throws is reported; the new session stays up', async () => {
    let calls = 0;
    const s = session(carrier, {
      streamManagement: {
        requestEvery: 100,
        onUnacked: () => {
          calls++;
          throw new Error('app bug');
        },
      },
    });
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.drop = () => true;
    s.conn.send(chat(1));
    await sleep(20);
    s.server.drop = undefined;
    s.server.forgetSessions();
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'CONNECTED:new-session'));
    await sleep(100);
    expect(calls).toBe(1);
    expect(s.errors).toEqual([expect.objectContaining({ message: 'app bug' })]);
    expect(s.statuses.filter((x) => x.startsWith('RECONNECTING'))).toHaveLength(1);
    expect(s.statuses.at(-1)).toBe('CONNECTED:new-session');
    await s.conn.disconnect();
  });

  it('a nonza sent while RECONNECTING (CSI) goes out once back, after the resume', async () => {
    const s = session(carrier);
    await s.ready;
    await until(() => s.conn.sm?.enabled === true);
    s.server.xmpp.cut();
    await until(lastIs(s.statuses, 'RECONNECTING'));
    s.conn.send([new XmlElement('inactive', { xmlns: 'urn:xmpp:csi:0' }), chat(9)]);
    await until(lastIs(s.statuses, 'CONNECTED:resumed'));
    await until(() => s.server.xmpp.received.some((e) => e.localName === 'inactive'));
    expect(s.server.received.map((e) => e.attrs.id)).toEqual(['m9']);
    await s.conn.disconnect();
  });
});
