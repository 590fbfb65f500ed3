// Stream management across a page reload (keepalive): the state kept at pagehide lets the next page resume.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Connection } from '../../src/index.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { $iq, $msg } from '../../src/xml/builder.js';
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
    await firstPage(server);
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await second.connect('user@example.org', 'pw');
    expect(second.resumed).toBe(true);
    await until(() => server.received.length === 2);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm2']);
    await until(() => second.sm?.unacked === 0);
  });

  /** Page 1: a resumable session with m1 handled and m2 lost in transit, kept at pagehide; the page goes. */
  async function firstPage(server: SmServer): Promise<void> {
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, streamManagement: { requestEvery: 100 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    server.drop = (el) => el.attrs.id === 'm2';
    first.send([chat(1), chat(2)]);
    await until(() => server.received.length === 1);
    page.dispatchEvent(new Event('pagehide'));
    server.xmpp.cut();
    server.drop = undefined;
  }

  const statusLog = (into: string[]) => (s: StatusCode, c?: string) => into.push(c ? `${statusName(s)}:${c}` : statusName(s));

  it('a kept state is taken up once: a page that could not resume does not send it again on the next reload', async () => {
    const server = new SmServer(carrier);
    await firstPage(server);
    server.forgetSessions(); // the server restarted
    server.onEnable = () => "<enabled xmlns='urn:xmpp:sm:3' id='new'/>"; // and its new sessions cannot be resumed
    for (let n = 2; n <= 3; n++) {
      const statuses: string[] = [];
      const conn = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
      await conn.connect('user@example.org', 'pw', statusLog(statuses));
      expect(statuses.at(-1)).toBe(n === 2 ? 'CONNECTED:new-session' : 'CONNECTED');
      await new Promise((r) => setTimeout(r, 30));
      page.dispatchEvent(new Event('pagehide'));
      server.xmpp.cut();
    }
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1', 'm2']);
    expect(storage.dump()).not.toContain('antistrophe.sm');
  });

  it('a kept stanza this page cannot read back still counts: the resume succeeds', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, streamManagement: { requestEvery: 100 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    first.send($msg({ to: 'friend@example.org', id: 'big' }).c('body').t('x'.repeat(5000)));
    first.send(chat(2));
    await until(() => server.received.length === 2);
    page.dispatchEvent(new Event('pagehide'));
    server.xmpp.cut();
    const statuses: string[] = [];
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, maxStanzaSize: 4096 });
    await second.connect('user@example.org', 'pw', statusLog(statuses));
    expect(statuses.at(-1)).toBe('CONNECTED:resumed');
    expect(second.sm).toMatchObject({ outbound: 2, unacked: 0 });
    expect(server.received.map((e) => e.attrs.id)).toEqual(['big', 'm2']);
    await second.disconnect();
  });

  it('a bad <resumed/> for a kept state does not stop the login: a new one at once, the kept stanzas resent', async () => {
    const server = new SmServer(carrier);
    await firstPage(server);
    server.onResume = () => "<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='7'/>"; // beyond what was sent
    const statuses: string[] = [];
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await second.connect('user@example.org', 'pw', statusLog(statuses));
    expect(statuses.at(-1)).toBe('CONNECTED:new-session');
    expect(server.xmpp.wireText).toContain('undefined-condition');
    await until(() => server.received.length === 3);
    expect(server.received.map((e) => e.attrs.id)).toEqual(['m1', 'm1', 'm2']);
    await second.disconnect();
  });

  it('disconnect() before CONNECTED forgets the kept session', async () => {
    const server = new SmServer(carrier);
    await firstPage(server);
    const script = server.xmpp.script;
    let auth = false;
    server.xmpp.script = (event, srv) => {
      if (event.kind === 'element' && event.el.localName === 'auth') auth = true;
      else script(event, srv);
    };
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    second.connect('user@example.org', 'pw').catch(() => {});
    await until(() => auth);
    await second.disconnect();
    expect(storage.dump()).not.toContain('antistrophe.sm');
    server.xmpp.script = script;
    const third = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await third.connect('user@example.org', 'pw');
    expect(third.resumed).toBe(false);
    await third.disconnect();
  });

  it('never keeps an IQ or a password; the slot still counts, so the next page resumes', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, streamManagement: { requestEvery: 100 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    const change = $iq({ type: 'set', to: 'example.org' }).c('query', { xmlns: 'jabber:iq:register' }).c('username').t('user').up().c('password').t('N3w-S3cret!');
    first.sendIQ(change).catch(() => {});
    first.send($msg({ to: 'room@muc.example.org', id: 'join' }).c('x', { xmlns: 'http://jabber.org/protocol/muc' }).c('password').t('r00m-S3cret'));
    first.send(chat(3));
    await until(() => first.sm?.unacked === 3);
    page.dispatchEvent(new Event('pagehide'));
    expect(storage.dump()).toContain('m3');
    expect(storage.dump()).not.toMatch(/S3cret|jabber:iq:register/);
    server.xmpp.cut();
    const second = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await second.connect('user@example.org', 'pw');
    // the server handled all three (h=3): right, since the two not kept still count; nothing goes out twice
    expect(second.resumed).toBe(true);
    expect(second.sm).toMatchObject({ outbound: 3, unacked: 0 });
    expect(server.received.map((e) => e.attrs.id?.replace(/.*:iq$/, 'iq'))).toEqual(['iq', 'join', 'm3']);
    await second.disconnect();
  });

  it('given up after maxAttempts, a session merely lost stays kept for the next page', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true, reconnect: { initialDelay: 10, jitter: 0, maxAttempts: 1 } });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    server.xmpp.down = true;
    server.xmpp.cut();
    await until(() => first.status === 6);
    expect(storage.dump()).toContain('sm-1');
  });

  it('a session taken over (conflict) is not kept for the next page', async () => {
    const server = new SmServer(carrier);
    const first = new Connection(server.xmpp.service, { ...server.xmpp.options, keepalive: true });
    await first.connect('user@example.org', 'pw');
    await until(() => first.sm?.enabled === true);
    server.xmpp.reply("<stream:error xmlns:stream='http://etherx.jabber.org/streams'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
    await until(() => first.status === 6);
    page.dispatchEvent(new Event('pagehide'));
    expect(storage.dump()).not.toContain('antistrophe.sm');
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
