// BOSH resends: same rid and bytes after network errors, 5xx and timeouts; backoff; giving up; failing fast at set-up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, initialRid, readTiming } from '../../src/transport/bosh-retry.js';
import { $msg } from '../../src/xml/builder.js';
import { body, } from '../helpers/fake-bosh.js';
import { flush, opened, setup } from './helpers.js';

const msg = (n: number) => $msg({ to: 'bob@example.org', type: 'chat' }).c('body').t(`m${n}`).tree();

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('backoff', () => {
  it('doubles its ceiling per attempt from 250 ms up to 8 s, with full jitter', () => {
    const max = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, 250, 8000, max))).toEqual([249, 499, 999, 1999, 3999, 7999, 7999, 7999]);
    expect(backoffDelay(3, 250, 8000, () => 0)).toBe(0);
    expect(backoffDelay(3, 250, 8000, () => 0.5)).toBe(500);
    expect(backoffDelay(1000, 250, 8000, max)).toBe(7999);
  });

  it('reads partial timing options and ignores wrong types', () => {
    const t = readTiming({ baseDelay: 10, maxDelay: 'x', random: 5 });
    expect(t.baseDelay).toBe(10);
    expect(t.maxDelay).toBe(8000);
    expect(typeof t.random).toBe('function');
    expect(readTiming(undefined).setupRetries).toBe(2);
  });

  it('picks initial rids in [1e9, 2^32)', () => {
    expect(initialRid(() => 0)).toBe(1e9);
    expect(initialRid(() => 0.9999999999)).toBeLessThan(2 ** 32);
    const r = readTiming(undefined).random;
    for (let i = 0; i < 100; i++) {
      const v = r();
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
  });
});

describe('BOSH resends', () => {
  it.each([
    ['a network error', (r: { fail(): void }) => r.fail()],
    ['HTTP 503', (r: { status(n: number): void }) => r.status(503)],
    ['HTTP 500', (r: { status(n: number): void }) => r.status(500)],
    ['a recoverable binding error', (r: { reply(t: string): void }) => r.reply(body({ type: 'error' }))],
  ])('resends after %s with the same rid and byte-identical payload', async (_what, failIt) => {
    const { server, transport, rec } = await opened();
    transport.send(msg(1));
    await flush();
    const first = server.requests[2];
    if (!first) throw new Error('no data request');
    failIt(first as never);
    await flush();
    expect(server.requests.length).toBe(3);
    await vi.advanceTimersByTimeAsync(125); // attempt 1: half of 250 ms
    expect(server.requests.length).toBe(4);
    const again = server.requests[3];
    expect(again?.rid).toBe(first.rid);
    expect(again?.body).toBe(first.body);
    again?.reply(body({}, "<message xmlns='jabber:client' id='ack'/>"));
    server.requests[1]?.reply(body());
    await flush();
    expect(rec.elements.map((e) => e.attrs.id)).toContain('ack');
    expect(rec.ends).toEqual([]);
  });

  it('resends a request that outlives wait + 10 s', async () => {
    const { server } = await opened();
    const poll = server.requests[1];
    await vi.advanceTimersByTimeAsync(70_000);
    expect(poll?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(125);
    const again = server.requests[2];
    expect(again?.rid).toBe(poll?.rid);
    expect(again?.body).toBe(poll?.body);
  });

  it('waits longer after each failure, up to the cap', async () => {
    const { server } = await opened({ maxRetries: 8 });
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 7; i++) {
      const before = server.requests.length;
      server.requests.at(-1)?.fail();
      await flush();
      while (server.requests.length === before) await vi.advanceTimersByTimeAsync(1);
      times.push(Date.now() - start);
    }
    const gaps = times.map((t, i) => t - (times[i - 1] ?? 0));
    // random() = 0.5: half of 250, 500, 1000, 2000, 4000, 8000, 8000
    expect(gaps).toEqual([125, 250, 500, 1000, 2000, 4000, 4000]);
  });

  it('queues stanzas sent during a resend behind it and never overtakes it beyond the window', async () => {
    const { server, transport, rec } = await opened();
    transport.send(msg(1));
    await flush();
    server.requests[2]?.fail();
    await flush();
    transport.send(msg(2));
    transport.send(msg(3));
    await flush();
    expect(server.requests.length).toBe(3); // the window is full: the poll and the failed request
    await vi.advanceTimersByTimeAsync(125);
    const resent = server.requests[3];
    resent?.reply(body());
    await flush();
    expect(server.requests.length).toBe(4); // the poll is still unanswered: nothing may pass it
    server.requests[1]?.reply(body());
    await flush();
    const next = server.requests[4];
    expect(next?.rid).toBe((resent?.rid ?? 0) + 1);
    expect(next?.children.map((c) => c.getChildText('body'))).toEqual(['m2', 'm3']);
    expect(rec.ends).toEqual([]);
  });

  it('gives up after maxRetries, hands back every unsent stanza in order, then ends remote-connection-failed', async () => {
    const { server, transport, rec } = await opened({ maxRetries: 2 });
    transport.send(msg(1));
    await flush();
    transport.send(msg(2));
    transport.send(msg(3));
    await flush();
    // the poll (no stanzas) and the data request with m1 are in flight; m2, m3 are queued
    const data = server.requests[2];
    expect(data?.children.length).toBe(1);
    data?.fail();
    await flush();
    for (let i = 0; i < 2; i++) {
      await vi.advanceTimersByTimeAsync(10_000);
      server.requests.at(-1)?.status(502);
      await flush();
    }
    expect(server.requests.filter((r) => r.rid === data?.rid).length).toBe(3); // the first try and 2 resends
    expect(rec.undelivered.length).toBe(1);
    expect(rec.undelivered[0]?.map((e) => e.getChildText('body'))).toEqual(['m1', 'm2', 'm3']);
    expect(rec.events.slice(-2)).toEqual(['undelivered:3', 'end:closed:remote-connection-failed']);
    expect(rec.ends[0]?.text).toMatch(/lost/);
    expect(server.requests[1]?.aborted).toBe(true); // the held poll is released
    transport.send(msg(4)); // after the end: ignored
    await flush();
    expect(rec.ends.length).toBe(1);
  });

  it('fails fast at session creation when the URL cannot be reached (a couple of quick retries)', async () => {
    const t = setup((req) => req.fail('fetch failed'));
    t.transport.open('example.org');
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.server.requests.length).toBe(3);
    expect(new Set(t.server.rids).size).toBe(1);
    expect(t.rec.events).toEqual(['end:error:remote-connection-failed']);
    const text = t.rec.ends[0]?.text ?? '';
    expect(text).toContain('http://127.0.0.1:5280/http-bind');
    expect(text).toMatch(/down/);
    expect(text).toMatch(/CORS/);
    expect(text).toMatch(/TLS refused/);
    expect(text).toContain('fetch failed');
  });

  it('does not put a query string (which could hold a token) into messages', async () => {
    const t = setup((req) => req.fail(), {}, 'https://example.org/http-bind?token=s3cret');
    t.transport.open('example.org');
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.rec.ends[0]?.text).not.toContain('s3cret');
  });

  it('keeps at most maxRetries resends at creation when that is lower', async () => {
    const t = setup((req) => req.status(503), { maxRetries: 0 });
    t.transport.open('example.org');
    await vi.advanceTimersByTimeAsync(3000);
    expect(t.server.requests.length).toBe(1);
    expect(t.rec.ends[0]?.condition).toBe('remote-connection-failed');
  });
});

describe('BOSH resends the server cannot place', () => {
  it('do not end the session on terminate item-not-found: its stanzas go out again first, and that request tells', async () => {
    const { server, transport, rec } = await opened();
    transport.send(msg(1));
    await flush();
    const data = server.requests[2];
    data?.fail();
    await flush();
    transport.send(msg(2)); // queued behind the resend
    await flush();
    await vi.advanceTimersByTimeAsync(125);
    const resent = server.requests[3];
    expect(resent?.rid).toBe(data?.rid);
    server.requests[1]?.reply(body());
    resent?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    expect(rec.ends).toEqual([]);
    const next = server.requests[4];
    expect(next?.rid).toBe((resent?.rid ?? 0) + 1);
    expect(next?.children.map((c) => c.getChildText('body'))).toEqual(['m1', 'm2']);
    next?.reply(body({ type: 'terminate', condition: 'item-not-found' })); // a fresh rid refused: gone for real
    await flush();
    expect(rec.events.slice(-2)).toEqual(['undelivered:2', 'end:closed:item-not-found']);
    expect(rec.undelivered[0]?.map((e) => e.getChildText('body'))).toEqual(['m1', 'm2']);
  });

  it('carry on when the next request is answered', async () => {
    const { server, rec } = await opened();
    const poll = server.requests[1];
    poll?.status(503);
    await flush();
    await vi.advanceTimersByTimeAsync(125);
    server.requests[2]?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    server.requests[3]?.reply(body({}, "<message xmlns='jabber:client' id='alive'/>"));
    await flush();
    expect(rec.ends).toEqual([]);
    expect(rec.undelivered).toEqual([]);
    expect(rec.elements.at(-1)?.attrs.id).toBe('alive');
  });
});
