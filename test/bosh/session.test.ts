// BOSH session creation, rid sequence, request window, batching, stream restart and in-order delivery.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BoshTransport } from '../../src/transport/bosh.js';
import { $msg } from '../../src/xml/builder.js';
import { XmlElement } from '../../src/xml/element.js';
import { BIND_FEATURES, body, created, FakeBosh } from '../helpers/fake-bosh.js';
import { flush, setup } from './helpers.js';

const msg = (n: number) => $msg({ to: 'bob@example.org', type: 'chat' }).c('body').t(`m${n}`).tree();

/** Opens a session; the creation request is answered with `created()`. */
async function opened(options = {}, createdBody = created()) {
  const t = setup(undefined, options);
  t.transport.open('example.org');
  const create = await t.server.next();
  create.reply(createdBody);
  await flush();
  return { ...t, create };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('BoshTransport basics', () => {
  it('handles http(s) URLs only and knows when the carrier is secure', () => {
    expect(BoshTransport.handles('https://example.org/http-bind')).toBe(true);
    expect(BoshTransport.handles('HTTP://example.org/bosh')).toBe(true);
    expect(BoshTransport.handles('wss://example.org/ws')).toBe(false);
    expect(setup(undefined, {}, 'https://example.org/http-bind').transport.secure).toBe(true);
    expect(setup(undefined, {}, 'http://127.0.0.1:5280/http-bind').transport.secure).toBe(true);
    expect(setup(undefined, {}, 'http://localhost/http-bind').transport.secure).toBe(true);
    expect(setup(undefined, {}, 'http://example.org/http-bind').transport.secure).toBe(false);
    expect(setup().transport.kind).toBe('bosh');
  });

  it('creates the session with the XEP-0124/0206 attributes over POST text/xml', async () => {
    const { server, rec, create } = await opened({ route: 'xmpp:example.org:5222', lang: 'de' });
    expect(create.init.method).toBe('POST');
    expect(new Headers(create.init.headers).get('Content-Type')).toBe('text/xml; charset=utf-8');
    const a = create.attrs;
    expect(a).toMatchObject({
      to: 'example.org',
      'xml:lang': 'de',
      ver: '1.6',
      wait: '60',
      hold: '1',
      'xmpp:version': '1.0',
      'xmlns:xmpp': 'urn:xmpp:xbosh',
      content: 'text/xml; charset=utf-8',
      route: 'xmpp:example.org:5222',
      xmlns: 'http://jabber.org/protocol/httpbind',
    });
    expect(a.sid).toBeUndefined();
    expect(create.rid).toBeGreaterThanOrEqual(1e9);
    expect(create.rid).toBeLessThan(2 ** 32);
    expect(Number.isInteger(create.rid)).toBe(true);
    // stream opened with the body attributes, then the features as elements
    expect(rec.events).toEqual(['open', 'el:features']);
    expect(rec.opened[0]?.sid).toBe('sid-1');
    expect(rec.raw[0]).toContain('stream:features');
    // and one empty poll keeps a request at the server
    expect(server.requests.length).toBe(2);
    expect(server.requests[1]?.isEmptyPoll).toBe(true);
    expect(server.requests[1]?.sid).toBe('sid-1');
    expect(server.requests[1]?.rid).toBe(create.rid + 1);
  });

  it('sends wait and hold from the options and no route by default', async () => {
    const { create } = await opened({ wait: 30, hold: 1 });
    expect(create.attrs.wait).toBe('30');
    expect(create.attrs.route).toBeUndefined();
  });

  it('numbers rids +1 per request, without gaps or repeats, across many sends', async () => {
    const { server, transport, create } = await opened();
    for (let i = 0; i < 20; i++) {
      transport.send(msg(i));
      await flush();
      for (const r of server.open) r.reply(body());
      await flush();
    }
    const rids = server.rids;
    expect(rids).toEqual(rids.map((_, i) => create.rid + i));
    const sent = server.requests.flatMap((r) => r.children.map((c) => c.getChildText('body')));
    expect(sent).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
  });

  it('batches several send() calls made before a request can go into one body, in order', async () => {
    const { server, transport } = await opened();
    transport.send(msg(1));
    transport.send(msg(2));
    transport.send(msg(3));
    await flush();
    const data = server.requests.slice(2);
    expect(data.length).toBe(1);
    expect(data[0]?.children.map((c) => c.getChildText('body'))).toEqual(['m1', 'm2', 'm3']);
  });

  it('never has more requests in flight than the server allows, and does not overtake the oldest unanswered rid', async () => {
    const { server, transport } = await opened();
    let maxOpen = 0;
    for (let i = 0; i < 10; i++) {
      transport.send(msg(i));
      await flush();
      maxOpen = Math.max(maxOpen, server.open.length);
    }
    expect(maxOpen).toBe(2);
    expect(server.requests.length).toBe(3); // creation, the poll, one data request; the rest waits
    // answering the data request but not the older poll still leaves no room: the window starts at the poll
    server.requests[2]?.reply(body());
    await flush();
    expect(server.requests.length).toBe(3);
    server.requests[1]?.reply(body());
    await flush();
    // the 9 queued stanzas now go out together, then nothing more
    expect(server.requests.length).toBe(4);
    expect(server.requests[3]?.children.length).toBe(9);
    expect(server.open.length).toBe(1);
  });

  it('respects requests="1": a stanza waits until the held poll returns', async () => {
    const { server, transport } = await opened({}, created('s', { requests: 1 }));
    transport.send(msg(1));
    await flush();
    expect(server.requests.length).toBe(2);
    server.requests[1]?.reply(body());
    await flush();
    expect(server.requests.length).toBe(3);
    expect(server.requests[2]?.children.length).toBe(1);
  });

  it('sends an empty poll only when no request is at the server', async () => {
    const { server, transport } = await opened();
    await flush();
    expect(server.requests.length).toBe(2);
    transport.send(msg(1));
    await flush();
    expect(server.requests.length).toBe(3);
    server.requests[2]?.reply(body()); // the data request returns, the poll is still held
    await flush();
    expect(server.requests.length).toBe(3);
    server.requests[1]?.reply(body()); // now nothing is at the server: poll again
    await flush();
    expect(server.requests.length).toBe(4);
    expect(server.requests[3]?.isEmptyPoll).toBe(true);
  });

  it('spaces consecutive empty polls by `polling` seconds when the server answers them empty at once', async () => {
    vi.useFakeTimers();
    const { server } = await opened({}, created('s', { polling: 5 }));
    const poll = server.requests[1];
    poll?.reply(body());
    await flush();
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(4900);
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(server.requests.length).toBe(3);
    expect(server.requests[2]?.isEmptyPoll).toBe(true);
  });

  it('polls again at once when the previous poll brought data', async () => {
    const { server, rec } = await opened({}, created('s', { polling: 5 }));
    server.requests[1]?.reply(body({}, "<message xmlns='jabber:client' from='a@b'><body>x</body></message>"));
    await flush();
    expect(rec.elements.at(-1)?.localName).toBe('message');
    expect(server.requests.length).toBe(3);
  });

  it('starts a request at least minSpacing ms after the previous one while that may still be on its way', async () => {
    vi.useFakeTimers();
    const { server, transport } = await opened({ boshTiming: { random: () => 0.5, minSpacing: 10 } });
    expect(server.requests.length).toBe(2); // the poll went out at once: nothing else was in flight
    transport.send(msg(1)); // in the same instant as the poll
    await flush();
    expect(server.requests.length).toBe(2);
    await vi.advanceTimersByTimeAsync(10);
    expect(server.requests.length).toBe(3);
    expect(server.requests[2]?.children.length).toBe(1);
    server.requests[1]?.reply(body()); // as servers do: the held poll returns when the data arrives
    server.requests[2]?.reply(body());
    await flush();
    expect(server.requests.length).toBe(4); // a new poll: nothing was in flight
    await vi.advanceTimersByTimeAsync(1000);
    transport.send(msg(2)); // that poll was sent long ago: no wait
    await flush();
    expect(server.requests.length).toBe(5);
  });

  it('restarts the stream with xmpp:restart, to and xml:lang, and reports the new stream', async () => {
    const { server, transport, rec } = await opened();
    transport.restart();
    await flush();
    const restart = server.requests[2];
    expect(restart?.attrs).toMatchObject({ 'xmpp:restart': 'true', to: 'example.org', 'xml:lang': 'en', 'xmlns:xmpp': 'urn:xmpp:xbosh', sid: 'sid-1' });
    expect(restart?.children).toEqual([]);
    restart?.reply(body({}, BIND_FEATURES));
    await flush();
    expect(rec.events.slice(-2)).toEqual(['open', 'el:features']);
  });

  it('sends no empty poll between restartPending() (SASL success) and the stream restart', async () => {
    const { server, transport } = await opened();
    transport.send(new XmlElement('auth', { xmlns: 'urn:ietf:params:xml:ns:xmpp-sasl', mechanism: 'PLAIN' }, ['AGEAYg==']));
    await flush();
    server.requests[1]?.reply(body({}, "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"));
    server.requests[2]?.reply(body());
    transport.restartPending(); // what the connection does when it sees the success
    await flush();
    expect(server.requests.length).toBe(3);
    transport.restart();
    await flush();
    expect(server.requests.length).toBe(4);
    expect(server.requests[3]?.attrs['xmpp:restart']).toBe('true');
  });

  it('delivers responses in rid order when they arrive out of order', async () => {
    const { server, transport, rec } = await opened();
    transport.send(msg(1));
    await flush();
    const [poll, data] = [server.requests[1], server.requests[2]];
    data?.reply(body({}, "<message xmlns='jabber:client' id='second'/>"));
    await flush();
    expect(rec.elements.map((e) => e.attrs.id)).toEqual([undefined]); // only the features so far
    poll?.reply(body({}, "<message xmlns='jabber:client' id='first'/>"));
    await flush();
    expect(rec.elements.slice(1).map((e) => e.attrs.id)).toEqual(['first', 'second']);
    expect(rec.raw.slice(1).map((t) => /id='(\w+)'/.exec(t)?.[1])).toEqual(['first', 'second']);
  });

  it('qualifies stanzas without a namespace by jabber:client, both ways', async () => {
    const { server, transport, rec } = await opened();
    transport.send(new XmlElement('presence'));
    await flush();
    expect(server.requests[2]?.body).toContain('<presence xmlns="jabber:client"/>');
    server.requests[1]?.reply(body({}, '<message><body>hi</body></message>'));
    await flush();
    expect(rec.elements.at(-1)?.getNS()).toBe('jabber:client');
  });

  it('merges options.headers and sets credentials from withCredentials or credentials', async () => {
    const a = await opened({ headers: { 'X-Trace': 'abc' }, withCredentials: true });
    expect(new Headers(a.create.init.headers).get('X-Trace')).toBe('abc');
    expect(new Headers(a.server.requests[1]?.init.headers).get('X-Trace')).toBe('abc');
    expect(a.create.init.credentials).toBe('include');
    const b = await opened({ credentials: 'omit', withCredentials: true });
    expect(b.create.init.credentials).toBe('omit');
    const c = await opened();
    expect(c.create.init.credentials).toBeUndefined();
  });

  it('times requests out after wait + 10 s', async () => {
    vi.useFakeTimers();
    const { server } = await opened({}, created('s', { wait: 20 }));
    const poll = server.requests[1];
    await vi.advanceTimersByTimeAsync(29_900);
    expect(poll?.aborted).toBe(false);
    await vi.advanceTimersByTimeAsync(200);
    expect(poll?.aborted).toBe(true);
  });

  it('calls an injected fetch unbound, as the browser’s own fetch requires (options.fetch = window.fetch)', async () => {
    const server = new FakeBosh((r) => (r.sid ? undefined : r.reply(created())));
    // the browser's fetch throws "Illegal invocation" when called as a method of another object
    const strictFetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      if (this !== undefined && this !== globalThis) throw new TypeError("Failed to execute 'fetch' on 'Window': Illegal invocation");
      return server.fetch(input, init);
    } as typeof fetch;
    const t = setup(undefined, { fetch: strictFetch });
    t.transport.open('example.org');
    await flush();
    expect(t.rec.events[0]).toBe('open');
  });

  it('ends with no-fetch when there is no fetch at all', () => {
    const t = setup(undefined, { fetch: undefined });
    const saved = globalThis.fetch;
    vi.stubGlobal('fetch', undefined);
    try {
      t.transport.open('example.org');
    } finally {
      vi.stubGlobal('fetch', saved);
    }
    expect(t.rec.events).toEqual(['end:error:no-fetch']);
  });
});
