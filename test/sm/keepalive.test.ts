// Stream management across a page reload (keepalive): the state kept at pagehide lets the next page resume.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../src/index.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { $msg } from '../../src/xml/builder.js';
import { MemoryStorage } from '../helpers/fake-bosh.js';
import { CARRIERS } from '../helpers/scripted-xmpp.js';
import { SmServer } from '../helpers/sm-server.js';
import { until } from '../hostile-server/setup.js';

let storage: MemoryStorage;
let page: EventTarget;
beforeEach(() => {
  storage = new MemoryStorage();
  page = new EventTarget();
  vi.stubGlobal('sessionStorage', storage);
  vi.stubGlobal('addEventListener', page.addEventListener.bind(page));
  vi.stubGlobal('removeEventListener', page.removeEventListener.bind(page));
});
afterEach(() => {
  vi.unstubAllGlobals();
});

const chat = (n: number) => $msg({ to: 'friend@example.org', type: 'chat', id: `m${n}` }).c('body').t(`m${n}`);

describe.each(CARRIERS)('stream management kept across a reload (%s)', (carrier) => {
  it('the next page resumes: the kept queue is trimmed by the server’s h, nothing is sent twice', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, streamManagement: { requestEvery: 100 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    first.send([chat(1), chat(2)]);
    await until(() => server.received.length === 2);
    server.xmpp.reply("<a xmlns='urn:xmpp:sm:3' h='1'/>");
    await until(() => first.sm?.unacked === 1);
    page.dispatchEvent(new Event('pagehide'));
    expect(storage.dump()).toContain('sm-1');
    expect(storage.dump()).not.toContain('pw');
    server.xmpp.cut(); // the page is gone with its socket

    const statuses: string[] = [];
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await second.connect('user@example.org', 'pw', (s: StatusCode, c?: string) => statuses.push(c ? `${statusName(s)}:${c}` : statusName(s)));
    expect(statuses.at(-1)).toBe('CONNECTED:resumed');
    expect(second.resumed).toBe(true);
    // the server had handled m2 without acknowledging it: its h at resume covers it
    await until(() => second.sm?.unacked === 0);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2']);
    expect(second.sm).toMatchObject({ enabled: true, id: 'sm-1', outbound: 2 });
    await second.disconnect();
    expect(storage.dump()).not.toContain('sm-1'); // a session ended on purpose is not kept
  });

  it('a stanza the server never got is sent again by the next page', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, streamManagement: { requestEvery: 100 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    server.drop = (el) => el.attrs.id === 'm2';
    first.send([chat(1), chat(2)]);
    await until(() => server.received.length === 1);
    page.dispatchEvent(new Event('pagehide'));
    server.xmpp.cut();
    server.drop = undefined;
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await second.connect('user@example.org', 'pw');
    expect(second.resumed).toBe(true);
    await until(() => server.received.length === 2);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2']);
    await until(() => second.sm?.unacked === 0);
  });

  it('without keepalive nothing is kept', async () => {
    const server = new SmServer(carrier);
    const conn = new Connection(server.xmpp.service, { ...server.xmpp.options });
    await conn.connect('user@example.org', 'pw');
    await until(() => conn.sm?.enabled === true);
    page.dispatchEvent(new Event('pagehide'));
    expect(storage.dump()).not.toContain('antistrophe.sm');
  });
});
