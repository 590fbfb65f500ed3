// sendIQ's own arguments: a timeout a timer cannot hold, and an id that clashes with an IQ still waiting.
import { describe, expect, it } from 'vitest';
import { ConnectionError, type IqError } from '../src/errors.js';
import { IqTracker } from '../src/iq-tracker.js';
import { $iq } from '../src/xml/builder.js';
import { XmlElement } from '../src/xml/element.js';
import { CARRIERS, type Carrier, loginServer, saslSuccess } from './helpers/scripted-xmpp.js';
import { session, until } from './hostile-server/setup.js';

/** A server that answers each ping once `release()` is called (or at once with `now`). */
function pingServer(carrier: Carrier) {
  const held: XmlElement[] = [];
  const server = loginServer(carrier, {
    mechs: ['PLAIN'],
    sasl: (_el, respond) => respond(saslSuccess()),
    other: (el) => {
      if (el.localName === 'iq') held.push(el);
    },
  });
  const release = () => {
    for (const el of held.splice(0)) server.reply(`<iq xmlns='jabber:client' type='result' id='${el.attrs.id}' from='${el.attrs.to}'/>`);
  };
  return { server, held, release };
}

const ping = (id?: string) => $iq({ type: 'get', to: 'example.org', ...(id ? { id } : {}) }).c('ping', { xmlns: 'urn:xmpp:ping' });

describe.each(CARRIERS)('sendIQ (%s)', (carrier: Carrier) => {
  it.each([Number.POSITIVE_INFINITY, -1, Number.NaN, 2 ** 31, '5000'])('refuses timeoutMs %s with invalid-option, sending nothing', async (timeout) => {
    const { server } = pingServer(carrier);
    const s = session(server);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    const before = server.received.length;
    let thrown: unknown;
    try {
      void s.conn.sendIQ(ping(), undefined, undefined, timeout as number);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConnectionError);
    expect((thrown as ConnectionError).condition).toBe('invalid-option');
    await new Promise((r) => setTimeout(r, 20));
    expect(server.received.length).toBe(before);
  });

  it('waits for the answer with the longest timeout a timer can hold', async () => {
    const { server, held, release } = pingServer(carrier);
    const s = session(server);
    await s.login('user@example.org', 'pw');
    const result = s.conn.sendIQ(ping(), undefined, undefined, 2 ** 31 - 1);
    await until(() => held.length === 1);
    await new Promise((r) => setTimeout(r, 10));
    release();
    expect((await result).attrs.type).toBe('result');
  });

  it('refuses an id still waiting with duplicate-id: not sent, and the first IQ still gets its answer', async () => {
    const { server, held, release } = pingServer(carrier);
    const s = session(server);
    await s.login('user@example.org', 'pw');
    const first = s.conn.sendIQ(ping('fixed'), undefined, undefined, 200);
    await until(() => held.length === 1);
    let callbackError: IqError | undefined;
    const second = s.conn.sendIQ(ping('fixed'), undefined, (_el, err) => (callbackError = err), 200);
    await expect(second).rejects.toMatchObject({ name: 'IqError', condition: 'duplicate-id' });
    expect(callbackError?.condition).toBe('duplicate-id');
    await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(1); // the second never went out
    release();
    expect((await first).attrs.id).toBe('fixed');
    // the id is free again once answered
    const third = s.conn.sendIQ(ping('fixed'), undefined, undefined, 200);
    await until(() => held.length === 1);
    release();
    expect((await third).attrs.type).toBe('result');
  });
});

describe('IqTracker', () => {
  it('a timer ends only its own IQ, and a clashing id leaves the waiting one as it was', async () => {
    const tracker = new IqTracker(() => 'user@example.org/r');
    const first = tracker.track('a', undefined, 30);
    await expect(tracker.track('a', undefined, 5)).rejects.toMatchObject({ condition: 'duplicate-id' });
    await new Promise((r) => setTimeout(r, 10)); // past the refused one's timeout: the first still waits
    expect(tracker.has('a')).toBe(true);
    expect(tracker.answer(new XmlElement('iq', { type: 'result', id: 'a' }))).toBe(true);
    expect((await first).attrs.id).toBe('a');
    const second = tracker.track('a', undefined, 1000);
    await new Promise((r) => setTimeout(r, 40)); // past the first's timeout
    expect(tracker.has('a')).toBe(true);
    tracker.endAll('disconnected');
    await expect(second).rejects.toMatchObject({ condition: 'disconnected' });
  });
});
