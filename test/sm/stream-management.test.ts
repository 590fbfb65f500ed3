// XEP-0198 against a scripted server on both carriers: enable, acks both ways, acked(), and every way a hostile
// or buggy server can get the counts wrong.
import { describe, expect, it } from 'vitest';
import type { ConnectionError } from '../../src/errors.js';
import { Connection } from '../../src/index.js';
import type { ConnectionOptions } from '../../src/options.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { $msg } from '../../src/xml/builder.js';
import type { XmlElement } from '../../src/xml/element.js';
import { CARRIERS, type Carrier } from '../helpers/scripted-xmpp.js';
import { NS_SM, SmServer } from '../helpers/sm-server.js';
import { until } from '../hostile-server/setup.js';

function online(carrier: Carrier, options: ConnectionOptions = {}, server = new SmServer(carrier)) {
  const undelivered: XmlElement[] = [];
  const conn = new Connection(server.xmpp.service, { ...server.xmpp.options, onUndelivered: (els) => undelivered.push(...els), ...options });
  const statuses: string[] = [];
  const cb = (s: StatusCode, c?: string) => statuses.push(c ? `${statusName(s)}:${c}` : statusName(s));
  const ready = conn.connect('user@example.org', 'pw', cb);
  return { server, conn, statuses, undelivered, ready };
}

const chat = (n: number) => $msg({ to: 'friend@example.org', type: 'chat', id: `m${n}` }).c('body').t(`message ${n}`);

describe.each(CARRIERS)('stream management over %s', (carrier) => {
  it('enables after binding and counts acks both ways', async () => {
    const { server, conn, ready } = online(carrier);
    await ready;
    await until(() => conn.sm?.enabled === true);
    expect(server.smTrace[0]).toBe('enable');
    expect(conn.sm?.id).toBe('sm-1');
    for (let i = 1; i <= 12; i++) conn.send(chat(i));
    await until(() => server.received.length === 12 && conn.sm?.unacked === 2);
    expect(server.smTrace.filter((t) => t === 'r')).toHaveLength(2); // after 5 and 10: requestEvery
    expect(conn.sm?.outbound).toBe(12);
    // the server's stanzas are counted and acknowledged on request
    server.deliver('one');
    server.deliver('two');
    server.requestAck();
    await until(() => server.smTrace.includes('a:2'));
    expect(conn.sm?.inbound).toBe(2);
  });

  it('acked(stanza) resolves when the server’s h covers it', async () => {
    const { server, conn, ready } = online(carrier, { streamManagement: { requestEvery: 100 } });
    await ready;
    await until(() => conn.sm?.enabled === true);
    const first = chat(1).tree();
    const second = chat(2).tree();
    conn.send([first, second]);
    const a1 = conn.acked(first);
    let done = false;
    void a1.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false); // nothing acknowledged yet
    server.xmpp.reply(`<a xmlns='${NS_SM}' h='1'/>`);
    await a1;
    expect(conn.sm?.unacked).toBe(1);
    await expect(conn.acked(first)).resolves.toBeUndefined(); // already acknowledged
    await expect(conn.acked(chat(9).tree())).rejects.toMatchObject({ condition: 'sm-unavailable' });
  });

  it('an h beyond what was sent is a stream error undefined-condition; nothing is lost', async () => {
    const { server, conn, ready, statuses, undelivered } = online(carrier, { streamManagement: { requestEvery: 100 } });
    await ready;
    await until(() => conn.sm?.enabled === true);
    conn.send([chat(1), chat(2), chat(3)]);
    await until(() => server.received.length === 3);
    server.xmpp.reply(`<a xmlns='${NS_SM}' h='7'/>`);
    await until(() => statuses.at(-1)?.startsWith('DISCONNECTED') ?? false);
    expect(statuses).toContain('CONNFAIL:undefined-condition');
    expect(server.xmpp.wireText).toMatch(/<undefined-condition xmlns="urn:ietf:params:xml:ns:xmpp-streams"\/>/);
    // the queue was not touched: all three are handed back, in order
    expect(undelivered.map((e) => e.attrs.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('an h going backwards is refused the same way', async () => {
    const { server, conn, ready, statuses, undelivered } = online(carrier, { streamManagement: { requestEvery: 100 } });
    await ready;
    await until(() => conn.sm?.enabled === true);
    conn.send([chat(1), chat(2), chat(3)]);
    server.xmpp.reply(`<a xmlns='${NS_SM}' h='2'/>`);
    await until(() => conn.sm?.unacked === 1);
    server.xmpp.reply(`<a xmlns='${NS_SM}' h='1'/>`);
    await until(() => statuses.at(-1)?.startsWith('DISCONNECTED') ?? false);
    expect(statuses).toContain('CONNFAIL:undefined-condition');
    expect(undelivered.map((e) => e.attrs.id)).toEqual(['m3']);
  });

  it.each([
    ['a malformed h', "h='x'"],
    ['no h', ''],
    ['an h past 2^32', "h='4294967296'"],
  ])('%s in <a/> is refused', async (_what, attr) => {
    const { server, conn, ready, statuses } = online(carrier);
    await ready;
    await until(() => conn.sm?.enabled === true);
    server.xmpp.reply(`<a xmlns='${NS_SM}' ${attr}/>`);
    await until(() => statuses.at(-1)?.startsWith('DISCONNECTED') ?? false);
    expect(statuses).toContain('CONNFAIL:undefined-condition');
  });

  it('<failed/> in answer to <enable/>, with or without h: stream management stays off, nothing breaks', async () => {
    for (const failed of [`<failed xmlns='${NS_SM}'/>`, `<failed xmlns='${NS_SM}' h='3'><unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`]) {
      const server = new SmServer(carrier);
      server.onEnable = () => failed;
      const { conn, ready } = online(carrier, {}, server);
      await ready;
      const m = chat(1).tree();
      conn.send(m);
      await until(() => server.received.length === 1 && conn.sm?.outbound === 0);
      expect(conn.sm?.enabled).toBe(false);
      expect(server.smTrace).not.toContain('r');
      await expect(conn.acked(m)).rejects.toMatchObject({ condition: 'sm-unavailable' });
      await conn.disconnect();
    }
  });

  it('<enabled/> without resume: counted, but no resumption id', async () => {
    const server = new SmServer(carrier, { resumable: false });
    const { conn, ready } = online(carrier, {}, server);
    await ready;
    await until(() => conn.sm?.enabled === true);
    expect(conn.sm?.id).toBeUndefined();
  });

  it('an <a/> before <enabled/> is ignored and corrupts nothing', async () => {
    const server = new SmServer(carrier);
    let release: () => void = () => {};
    server.onEnable = () => {
      release = () => server.xmpp.reply(`<enabled xmlns='${NS_SM}' id='late' resume='true'/>`);
      return `<a xmlns='${NS_SM}' h='5'/>`;
    };
    const { conn, ready, statuses } = online(carrier, { streamManagement: { requestEvery: 100 } }, server);
    await ready;
    conn.send([chat(1), chat(2)]);
    await until(() => server.received.length === 2);
    expect(conn.sm).toMatchObject({ enabled: false, unacked: 2 });
    release();
    await until(() => conn.sm?.enabled === true);
    expect(conn.sm?.unacked).toBe(2);
    server.xmpp.reply(`<a xmlns='${NS_SM}' h='2'/>`);
    await until(() => conn.sm?.unacked === 0);
    expect(statuses).not.toContain('CONNFAIL:undefined-condition');
  });

  it('answers the server’s <r/> with the count of stanzas handled', async () => {
    const { server, conn, ready } = online(carrier);
    await ready;
    await until(() => conn.sm?.enabled === true);
    server.deliver('x');
    server.requestAck();
    await until(() => server.smTrace.includes('a:1'));
  });

  it('streamManagement: false never enables; the option checks its fields', async () => {
    const { server, conn, ready } = online(carrier, { streamManagement: false });
    await ready;
    conn.send(chat(1));
    await until(() => server.received.length === 1);
    expect(server.smTrace).toEqual([]);
    expect(conn.sm).toBeUndefined();
  });

  it('disconnect() asks for a last ack, so what the server got is not handed back', async () => {
    const { server, conn, ready, undelivered } = online(carrier, { streamManagement: { requestEvery: 100 } });
    await ready;
    await until(() => conn.sm?.enabled === true);
    conn.send([chat(1), chat(2)]);
    await conn.disconnect();
    expect(server.smTrace).toContain('r');
    expect(undelivered).toEqual([]);
  });

  it('maxUnacked bounds the queue with a clear error', async () => {
    const server = new SmServer(carrier);
    server.onR = () => ''; // never acknowledges
    const { conn, ready } = online(carrier, { streamManagement: { maxUnacked: 3 } }, server);
    await ready;
    await until(() => conn.sm?.enabled === true);
    conn.send([chat(1), chat(2), chat(3)]);
    let err: ConnectionError | undefined;
    try {
      conn.send(chat(4));
    } catch (e) {
      err = e as ConnectionError;
    }
    expect(err).toMatchObject({ condition: 'sm-queue-full' });
  });
});
