// BOSH keepalive storage, restore() after a reload, and attach() to a prebound session.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { storageKey } from '../../src/transport/bosh-store.js';
import { $iq, $msg } from '../../src/xml/builder.js';
import { XmlElement } from '../../src/xml/element.js';
import { BIND_FEATURES, body, created, MemoryStorage } from '../helpers/fake-bosh.js';
import { flush, SERVICE, setup } from './helpers.js';

let storage: MemoryStorage;
beforeEach(() => {
  storage = new MemoryStorage();
  vi.stubGlobal('sessionStorage', storage);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
const stored = (jid = 'alice@example.org') => JSON.parse(storage.getItem(storageKey(SERVICE, jid)) ?? 'null') as Record<string, unknown> | null;

/** A login as the connection drives it: auth, restart, bind; the server answers each request with what it says. */
async function loggedIn(options = {}) {
  const t = setup(undefined, { keepalive: true, ...options });
  t.transport.open('example.org');
  (await t.server.next()).reply(created());
  await flush();
  const poll = t.server.requests[1];
  t.transport.send(new XmlElement('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' }, [btoa('\0alice\0secretpass')]));
  await flush();
  poll?.reply(body({}, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
  t.server.requests[2]?.reply(body());
  await flush();
  expect(stored()).toBeNull(); // no JID bound yet: nothing worth restoring
  t.transport.restart();
  await flush();
  t.server.requests[3]?.reply(body({}, BIND_FEATURES));
  await flush();
  t.transport.send($iq({ type: 'set', id: 'b1' }).c('bind', { xmlns: NS_BIND }).tree());
  await flush();
  const bindReq = t.server.requests.find((r) => r.children.some((c) => c.getChild('bind')));
  bindReq?.reply(body({}, `<iq xmlns='jabber:client' type='result' id='b1'><bind xmlns='${NS_BIND}'><jid>alice@example.org/tab</jid></bind></iq>`));
  await flush();
  expect(stored()).toBeNull(); // the answer waits behind the older, still held poll
  for (const r of t.server.open) if (r !== bindReq) r.reply(body());
  await flush();
  expect(t.rec.elements.at(-1)?.localName).toBe('iq');
  expect(stored()).toBeNull(); // the transport does not read bind results: the connection reports the bound JID
  t.transport.sessionBound('alice@example.org/tab');
  return t;
}

describe('BOSH keepalive', () => {
  it('stores jid, sid, the oldest unanswered rid and the session parameters, never the password', async () => {
    const { server } = await loggedIn();
    const s = stored();
    const oldestOpen = Math.min(...server.open.map((r) => r.rid));
    expect(s).toEqual({ jid: 'alice@example.org/tab', sid: 'sid-1', rid: oldestOpen, wait: 60, hold: 1, requests: 2, domain: 'example.org' });
    expect(storage.dump()).not.toContain('secretpass');
    expect(storage.dump()).not.toContain(btoa('\0alice\0secretpass'));
  });

  it('keeps the stored rid in step with the responses', async () => {
    const { server, transport } = await loggedIn();
    for (let i = 0; i < 3; i++) {
      transport.send($msg({ to: 'bob@example.org' }).c('body').t(`${i}`).tree());
      await flush();
      const [older, newer] = server.open;
      expect(stored()?.rid).toBe(older?.rid);
      newer?.reply(body());
      await flush();
      expect(stored()?.rid).toBe(older?.rid); // answered out of order: still waiting for the older one
      older?.reply(body());
      await flush();
      expect(stored()?.rid).toBe(server.open[0]?.rid); // the next poll
      expect(server.open.length).toBe(1);
    }
  });

  it('stores nothing without keepalive', async () => {
    await loggedIn({ keepalive: false });
    expect(storage.length).toBe(0);
  });

  it('clears the stored session on a clean close', async () => {
    const { server, transport, rec } = await loggedIn();
    transport.close();
    await flush();
    for (const r of server.open) r.reply(body({ type: 'terminate' }));
    await flush();
    expect(rec.ends[0]?.kind).toBe('closed');
    expect(storage.length).toBe(0);
  });

  it('keeps the stored session on abort(): the server still has it', async () => {
    const { transport, rec } = await loggedIn();
    transport.abort('', 'replaced');
    expect(rec.ends[0]?.kind).toBe('closed');
    expect(stored()?.sid).toBe('sid-1');
  });

  it('clears the stored session when the server terminates it', async () => {
    const { server, rec } = await loggedIn();
    server.open[0]?.reply(body({ type: 'terminate', condition: 'system-shutdown' }));
    await flush();
    expect(rec.ends[0]?.condition).toBe('system-shutdown');
    expect(storage.length).toBe(0);
  });
});

describe('BOSH restore', () => {
  const session = { jid: 'alice@example.org/tab', sid: 'sid-9', rid: 4_000_000_123, wait: 45, hold: 1, requests: 2, domain: 'example.org' };
  const save = () => storage.setItem(storageKey(SERVICE, session.jid), JSON.stringify(session));

  it('resends the stored rid empty and pings in the next one, then reports attached at the first valid answer', async () => {
    save();
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    await flush();
    const [resend, check] = t.server.requests;
    expect(t.server.requests.length).toBe(2);
    expect(resend?.sid).toBe('sid-9');
    expect(resend?.rid).toBe(4_000_000_123);
    expect(resend?.isEmptyPoll).toBe(true);
    expect(check?.sid).toBe('sid-9');
    expect(check?.rid).toBe(4_000_000_124);
    // a ping makes the server answer at once instead of holding the request for `wait` seconds
    const ping = check?.children[0];
    expect(ping?.getChild('ping', 'urn:xmpp:ping')).toBeDefined();
    // the server answers on the oldest request it holds: a replayed response, or here the pong and a message
    resend?.reply(
      body(
        {},
        `<iq xmlns='jabber:client' type='result' id='${ping?.attrs.id}' from='example.org'/><message xmlns='jabber:client' from='bob@example.org'><body>while you were away</body></message>`,
      ),
    );
    await flush();
    // attached first, then what arrived meanwhile; the ping's answer is not passed on
    expect(t.rec.events).toEqual(['attached:alice@example.org/tab', 'el:message']);
    expect(stored()?.rid).toBe(4_000_000_124);
    check?.reply(body());
    await flush();
    expect(t.server.requests[2]?.rid).toBe(4_000_000_125);
    expect(t.server.requests[2]?.isEmptyPoll).toBe(true);
    expect(t.rec.events.length).toBe(2);
  });

  it('reports attached when only the ping request is answered first (the resent rid stays open)', async () => {
    save();
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    await flush();
    const [resend, check] = t.server.requests;
    check?.reply(body());
    await flush();
    expect(t.rec.events).toEqual([]); // answers are handled in rid order
    resend?.reply(body());
    await flush();
    expect(t.rec.events).toEqual(['attached:alice@example.org/tab']);
  });

  it('is not put off by a refused repeat when the ping gets through (the server saw them out of order)', async () => {
    save();
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    await flush();
    const [resend, check] = t.server.requests;
    check?.reply(body({}, `<iq xmlns='jabber:client' type='result' id='${check.children[0]?.attrs.id}'/>`));
    resend?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    expect(t.rec.events).toEqual(['attached:alice@example.org/tab']);
    expect(stored()?.sid).toBe('sid-9');
  });

  it('sends the ping minSpacing ms after the repeat, so that they arrive in order', async () => {
    vi.useFakeTimers();
    save();
    const t = setup(undefined, { keepalive: true, boshTiming: { random: () => 0.5, minSpacing: 10 } });
    t.transport.restore();
    await flush();
    expect(t.server.requests.length).toBe(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(t.server.requests.length).toBe(2);
    expect(t.server.requests[1]?.children[0]?.getChild('ping')).toBeDefined();
  });

  it('resends nothing when the stored window allows only one request', async () => {
    storage.setItem(storageKey(SERVICE, session.jid), JSON.stringify({ ...session, requests: 1 }));
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    await flush();
    expect(t.server.requests.length).toBe(1);
    expect(t.server.requests[0]?.rid).toBe(session.rid);
    expect(t.server.requests[0]?.children[0]?.getChild('ping')).toBeDefined();
  });

  it('accepts restore(jid) for the same account', async () => {
    save();
    const t = setup(undefined, { keepalive: true });
    t.transport.restore('Alice@example.org');
    expect((await t.server.next()).sid).toBe('sid-9');
  });

  it('refuses restore(jid) for another account and leaves its session stored', async () => {
    save();
    const t = setup(undefined, { keepalive: true });
    t.transport.restore('bob@example.org');
    await flush();
    expect(t.rec.events).toEqual(['end:error:no-session-stored']);
    expect(t.server.requests).toEqual([]);
    expect(stored()).not.toBeNull();
  });

  it.each([
    ['terminate item-not-found', (r: { reply(t: string): void }) => r.reply(body({ type: 'terminate', condition: 'item-not-found' })), 'item-not-found'],
    ['HTTP 404', (r: { status(n: number): void }) => r.status(404), 'item-not-found'],
    ['terminate policy-violation', (r: { reply(t: string): void }) => r.reply(body({ type: 'terminate', condition: 'policy-violation' })), 'policy-violation'],
  ])('against a session the server no longer has (%s): clears the storage and ends with an error', async (_what, answer, condition) => {
    save();
    const t = setup((r) => answer(r as never), { keepalive: true });
    t.transport.restore();
    await flush();
    expect(t.server.requests.length).toBe(2);
    expect(t.rec.ends).toEqual([{ kind: 'error', condition, text: expect.any(String) }]);
    if (condition === 'item-not-found') expect(t.rec.ends[0]?.text).toMatch(/no longer has this session/);
    expect(storage.length).toBe(0);
  });

  it('ends with no-session-stored when nothing is stored', async () => {
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    expect(t.rec.events).toEqual(['end:error:no-session-stored']);
  });

  it('ignores an unusable stored value', async () => {
    storage.setItem(storageKey(SERVICE, 'a@b'), '{"jid":"a@b","sid":""}');
    const t = setup(undefined, { keepalive: true });
    t.transport.restore();
    expect(t.rec.events).toEqual(['end:error:no-session-stored']);
  });

  it('gives up quickly when the endpoint cannot be reached', async () => {
    vi.useFakeTimers();
    save();
    const t = setup((r) => r.fail(), { keepalive: true });
    t.transport.restore();
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.rec.ends[0]?.condition).toBe('remote-connection-failed');
    expect(new Set(t.server.rids)).toEqual(new Set([4_000_000_123, 4_000_000_124]));
    // the server never said the session is gone: it stays stored for a restore() once the network is back
    expect(storage.length).toBe(1);
  });
});

describe('BOSH attach', () => {
  it('uses the given rid for its first request (Strophe: the rid the next request uses), then counts on', async () => {
    const t = setup();
    t.transport.attach?.({ jid: 'carol@example.org/web', sid: 'pre-1', rid: 1234, wait: 30, hold: 1 });
    const check = await t.server.next();
    expect(check.attrs).toMatchObject({ sid: 'pre-1', rid: '1234' });
    expect(check.children[0]?.attrs.to).toBe('example.org');
    check.reply(body());
    await flush();
    expect(t.rec.events).toEqual(['attached:carol@example.org/web']);
    t.transport.send($msg({ to: 'a@b' }).tree());
    await flush();
    expect(t.server.rids).toEqual([1234, 1235, 1236]);
  });

  it('uses the given wait for its request timeout', async () => {
    vi.useFakeTimers();
    const t = setup();
    t.transport.attach?.({ jid: 'carol@example.org/web', sid: 'pre-1', rid: 10, wait: 5 });
    const check = await t.server.next();
    await vi.advanceTimersByTimeAsync(14_900);
    expect(check.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(check.aborted).toBe(true);
  });

  it('honours wind as the request window', async () => {
    const t = setup();
    t.transport.attach?.({ jid: 'carol@example.org/web', sid: 'pre-1', rid: 10, wind: 1 });
    (await t.server.next()).reply(body());
    await flush();
    t.transport.send($msg({ to: 'a@b' }).tree());
    await flush();
    expect(t.server.open.length).toBe(1); // the poll; the stanza waits for it
  });

  it('fails when the prebound session is unknown', async () => {
    const t = setup();
    t.transport.attach?.({ jid: 'carol@example.org/web', sid: 'gone', rid: 10 });
    (await t.server.next()).reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    expect(t.rec.events).toEqual(['end:error:item-not-found']);
  });

  it('refuses an invalid JID, sid or rid', () => {
    const a = setup();
    a.transport.attach?.({ jid: '@bad', sid: 's', rid: 1 });
    expect(a.rec.events).toEqual(['end:error:improper-addressing']);
    const b = setup();
    b.transport.attach?.({ jid: 'a@b/c', sid: '', rid: 1 });
    expect(b.rec.events).toEqual(['end:error:bad-request']);
    const c = setup();
    c.transport.attach?.({ jid: 'a@b/c', sid: 's', rid: Number.NaN });
    expect(c.rec.events).toEqual(['end:error:bad-request']);
  });

  it('with keepalive, stores the attached session at once', async () => {
    const t = setup(undefined, { keepalive: true });
    t.transport.attach?.({ jid: 'carol@example.org/web', sid: 'pre-1', rid: 50 });
    (await t.server.next()).reply(body());
    await flush();
    expect(stored('carol@example.org')).toMatchObject({ jid: 'carol@example.org/web', sid: 'pre-1', rid: 51, domain: 'example.org' });
  });
});
