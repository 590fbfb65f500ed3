// The XEP-0198 counters on their own: wrap at 2^32, refuse an impossible h, never lose a queued stanza.
import { describe, expect, it } from 'vitest';
import { ahead, inc, parseH, SmCounters } from '../../src/sm/counters.js';
import { XmlElement } from '../../src/xml/element.js';

const stanza = (n: number) => new XmlElement('message', { id: `m${n}` });

describe('SmCounters', () => {
  it('wraps at 2^32 and compares across the wrap', () => {
    expect(inc(2 ** 32 - 1)).toBe(0);
    expect(ahead(2 ** 32 - 2, 1)).toBe(3);
    const c = new SmCounters();
    c.sent = c.acked = 2 ** 32 - 2;
    for (let i = 0; i < 4; i++) c.recordSent(stanza(i));
    expect(c.sent).toBe(2);
    expect((c.acknowledge(0) as unknown[]).length).toBe(2); // 2^32-1 and 0: two stanzas
    expect(c.queue.map((u) => u.stanza.attrs.id)).toEqual(['m2', 'm3']);
    expect((c.acknowledge(2) as unknown[]).length).toBe(2);
  });

  it('refuses an h beyond what was sent, or behind the last one, and keeps the queue', () => {
    const c = new SmCounters();
    for (let i = 0; i < 3; i++) c.recordSent(stanza(i));
    expect(c.acknowledge(4)).toBe('handled-count-too-high');
    expect(c.queue).toHaveLength(3);
    expect(c.acknowledge(2)).toHaveLength(2);
    expect(c.acknowledge(1)).toBe('handled-count-went-back');
    expect(c.queue).toHaveLength(1);
    expect(c.acknowledge(2)).toEqual([]); // the same h again is fine
  });

  it('parses h strictly', () => {
    expect(parseH('0')).toBe(0);
    expect(parseH('4294967295')).toBe(2 ** 32 - 1);
    for (const bad of ['4294967296', '-1', '1.5', ' 1', '', 'x', '00000000001', undefined]) expect(parseH(bad), String(bad)).toBeUndefined();
  });

  it('retain() drops entries and renumbers the rest from the last h, keeping their waiters', () => {
    const c = new SmCounters();
    for (let i = 0; i < 4; i++) c.recordSent(stanza(i));
    c.acknowledge(1);
    const waiter = { resolve: () => {}, reject: () => {} };
    (c.queue[2] as { waiters?: unknown[] }).waiters = [waiter];
    c.retain((u) => u.stanza.attrs.id !== 'm2');
    expect(c.queue.map((u) => [u.stanza.attrs.id, u.seq])).toEqual([['m1', 2], ['m3', 3]]);
    expect(c.sent).toBe(3);
    expect(c.queue[1]?.waiters).toEqual([waiter]);
  });
});
