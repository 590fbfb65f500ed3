// Ending a BOSH session: close() with terminate, abort(), the pagehide beacon.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { $msg, $pres } from '../../src/xml/builder.js';
import { BoshTransport } from '../../src/transport/bosh.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { body, created, FakeBosh } from '../helpers/fake-bosh.js';
import { flush, opened, record, SERVICE, setup } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('BOSH close', () => {
  it('sends the last stanza and type="terminate" in one request, then ends closed', async () => {
    const { server, transport, rec } = await opened();
    transport.send($msg({ to: 'a@b' }).c('body').t('bye').tree());
    transport.close($pres({ type: 'unavailable' }).tree());
    await flush();
    const term = server.requests[2];
    expect(server.requests.length).toBe(3);
    expect(term?.attrs.type).toBe('terminate');
    expect(term?.attrs.sid).toBe('sid-1');
    expect(term?.children.map((c) => c.localName)).toEqual(['message', 'presence']);
    expect(rec.ends).toEqual([]);
    server.requests[1]?.reply(body({ type: 'terminate' }));
    term?.reply(body({ type: 'terminate' }));
    await flush();
    expect(rec.ends).toEqual([{ kind: 'closed', condition: '', text: 'disconnected' }]);
  });

  it('ends after closeTimeout when the server does not answer the terminate', async () => {
    vi.useFakeTimers();
    const { server, transport, rec } = await opened({ closeTimeout: 2000 });
    transport.close();
    await flush();
    expect(server.requests[2]?.attrs.type).toBe('terminate');
    await vi.advanceTimersByTimeAsync(1900);
    expect(rec.ends).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(rec.ends[0]).toMatchObject({ kind: 'closed', condition: '' });
    expect(server.open).toEqual([]);
  });

  it('waits for room in the window before sending the terminate', async () => {
    const { server, transport, rec } = await opened();
    transport.send($msg({ to: 'a@b' }).tree());
    await flush();
    transport.close();
    await flush();
    expect(server.requests.length).toBe(3);
    server.requests[1]?.reply(body());
    await flush();
    expect(server.requests[3]?.attrs.type).toBe('terminate');
    expect(server.requests[3]?.rid).toBe((server.requests[2]?.rid ?? 0) + 1);
    server.requests[2]?.reply(body());
    server.requests[3]?.reply(body({ type: 'terminate' }));
    await flush();
    expect(rec.events.at(-1)).toBe('end:closed:');
  });

  it('closing before the session exists just ends', async () => {
    const t = setup();
    t.transport.open('example.org');
    await flush();
    t.transport.close();
    expect(t.rec.events).toEqual(['end:closed:']);
    expect(t.server.requests[0]?.aborted).toBe(true);
  });

  it('abort() stops every request at once and ends closed exactly once', async () => {
    const { server, transport, rec } = await opened();
    transport.send($msg({ to: 'a@b' }).tree());
    await flush();
    transport.abort('policy-violation', 'stanza too big');
    transport.abort('x', 'again');
    transport.close();
    await flush();
    expect(server.requests.every((r) => r.settled)).toBe(true);
    expect(server.requests[1]?.aborted).toBe(true);
    expect(rec.ends).toEqual([{ kind: 'closed', condition: 'policy-violation', text: 'stanza too big' }]);
  });
});

describe('BOSH pagehide', () => {
  function fakeWindow() {
    const listeners = new Map<string, Set<() => void>>();
    vi.stubGlobal('addEventListener', (type: string, fn: () => void) => {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type)?.add(fn);
    });
    vi.stubGlobal('removeEventListener', (type: string, fn: () => void) => listeners.get(type)?.delete(fn));
    return {
      count: (type: string) => listeners.get(type)?.size ?? 0,
      fire: (type: string) => {
        for (const fn of [...(listeners.get(type) ?? [])]) fn();
      },
    };
  }

  it('terminates the session with a keepalive request when the page goes away', async () => {
    const win = fakeWindow();
    const { server, rec } = await opened();
    expect(win.count('pagehide')).toBe(1);
    win.fire('pagehide');
    const beacon = server.requests.at(-1);
    expect(beacon?.attrs.type).toBe('terminate');
    expect(beacon?.init.keepalive).toBe(true);
    expect(beacon?.rid).toBe((server.requests[1]?.rid ?? 0) + 1);
    expect(rec.events.at(-1)).toBe('end:closed:');
    expect(win.count('pagehide')).toBe(0);
  });

  it('keeps the session (no terminate) with keepalive', async () => {
    const win = fakeWindow();
    const { server, rec } = await opened({ keepalive: true });
    const before = server.requests.length;
    win.fire('pagehide');
    expect(server.requests.length).toBe(before);
    expect(rec.ends).toEqual([]);
  });

  it('removes its listener when the transport ends', async () => {
    const win = fakeWindow();
    const { transport } = await opened();
    transport.abort('', 'done');
    expect(win.count('pagehide')).toBe(0);
  });

  it('falls back to navigator.sendBeacon without a keepalive-capable fetch', async () => {
    const win = fakeWindow();
    const beacon = vi.fn((_url: string, _data: Blob) => true);
    vi.stubGlobal('navigator', { sendBeacon: beacon });
    const server = new FakeBosh();
    vi.stubGlobal('fetch', server.fetch); // the global fetch, not an injected one
    vi.stubGlobal('Request', class {}); // whose requests know no keepalive
    const rec = record();
    const t = new BoshTransport(SERVICE, rec.sink, { parser: createStreamParser, maxStanzaSize: 1e6, lang: 'en', closeTimeout: 1000 });
    t.open('example.org');
    (await server.next()).reply(created());
    await flush();
    const before = server.requests.length;
    win.fire('pagehide');
    expect(server.requests.length).toBe(before);
    expect(beacon).toHaveBeenCalledTimes(1);
    const [url, data] = beacon.mock.calls[0] ?? [];
    expect(url).toBe(SERVICE);
    expect(await data?.text()).toMatch(/type="terminate"/);
    expect(rec.events.at(-1)).toBe('end:closed:');
  });
});
