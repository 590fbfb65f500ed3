// Crashes, hangs and silent stalls: application callbacks that throw, JIDs that cannot be sent, defects inside
// the SDK, stream errors the client detects, IQ answers from the wrong peer, and work left running after the end.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nobleScramCrypto } from '../../mechanisms/crypto/noble-fallback.js';
import { ScramSha1 } from '../../mechanisms/scram.js';
import { IqError } from '../../src/errors.js';
import { HandlerTable, StanzaHandler } from '../../src/handlers.js';
import { Status } from '../../src/status.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import { $iq } from '../../src/xml/builder.js';
import { XmlElement } from '../../src/xml/element.js';
import type { XmlParserFactory } from '../../src/xml/parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { CARRIERS, type Carrier, loginServer, NS, payload, saslChallenge, saslSuccess, type ScriptedXmpp } from '../helpers/scripted-xmpp.js';
import { session, until } from './setup.js';

afterEach(() => {
  vi.restoreAllMocks();
});

const plain = (carrier: Carrier, other?: (el: XmlElement, server: ScriptedXmpp) => void, bound = 'user@example.org/r') =>
  loginServer(carrier, { mechs: ['PLAIN'], sasl: (_el, respond) => respond(saslSuccess()), bound: () => bound, other });

/** Answers every IQ get with a result from `from` (or the `to` it was sent to). */
const answerIqs = (from?: string) => (el: XmlElement, server: ScriptedXmpp) => {
  if (el.localName === 'iq' && el.attrs.type === 'get') {
    server.reply(new XmlElement('iq', { xmlns: 'jabber:client', type: 'result', id: el.attrs.id, from: from ?? el.attrs.to }).toString());
  }
};

describe.each(CARRIERS)('application code that throws (%s)', (carrier: Carrier) => {
  it('a throwing sendIQ result or error callback is reported through onError, never an unhandled rejection', async () => {
    const server = plain(carrier, (el, srv) => {
      if (el.localName !== 'iq') return;
      const type = el.getChild('query')?.attrs.xmlns === 'ok' ? 'result' : 'error';
      srv.reply(`<iq xmlns='jabber:client' type='${type}' id='${el.attrs.id}'/>`);
    });
    const s = session(server);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    s.conn.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'ok' }), () => {
      throw new Error('result callback broke');
    });
    s.conn.sendIQ(
      $iq({ type: 'get' }).c('query', { xmlns: 'no' }),
      () => {},
      () => {
        throw new Error('error callback broke');
      },
    );
    await until(() => s.errors.length === 2);
    expect(s.errors.map((e) => [e.where, String(e.error)])).toEqual([
      ['sendIQ result callback', 'Error: result callback broke'],
      ['sendIQ error callback', 'Error: error callback broke'],
    ]);
    expect(s.conn.connected).toBe(true);
  });

  it('a throwing logger, status callback or debug hook never stops the login', async () => {
    const server = plain(carrier);
    const s = session(server, {
      logger: {
        info: () => {
          throw new Error('logger broke');
        },
      },
    });
    s.conn.rawInput = () => {
      throw new Error('rawInput broke');
    };
    s.conn.xmlOutput = () => {
      throw new Error('xmlOutput broke');
    };
    const err = await s.conn
      .connect('user@example.org', 'pw', () => {
        throw new Error('status callback broke');
      })
      .catch((e: unknown) => e);
    expect(err).toBeUndefined();
    expect(s.conn.connected).toBe(true);
    expect(new Set(s.errors.map((e) => e.where))).toEqual(new Set(['logger', 'rawInput', 'xmlOutput/rawOutput', 'status callback']));
  });
});

describe.each(CARRIERS)('JIDs that cannot be sent (%s)', (carrier: Carrier) => {
  it.each([
    ['a 5,000-character local part', `${'a'.repeat(5000)}@example.org`],
    ['a control character in the local part', 'us\u0007er@example.org'],
    ['NUL in the resource', 'user@example.org/ph\u0000one'],
    ['U+FFFE in the resource', 'user@example.org/ph\uFFFEone'],
    ['an empty domain', 'user@'],
  ])('%s fails improper-addressing before anything is sent', async (_what, jid) => {
    const server = plain(carrier);
    const s = session(server);
    const err = await s.login(jid, 'pw');
    expect(err).toMatchObject({ condition: 'improper-addressing' });
    expect(err?.text.length).toBeLessThan(200);
    expect(server.wire).toEqual([]);
    expect(s.statuses).toEqual(['CONNFAIL:improper-addressing', 'DISCONNECTED:improper-addressing']);
  });
});

describe('defects inside the SDK end the attempt with a typed status', () => {
  it('an exception after SASL success (here: the stream restart) is CONNFAIL internal-error, not a silent stall', async () => {
    vi.spyOn(WebSocketTransport.prototype, 'restart').mockImplementation(() => {
      throw new Error('restart broke');
    });
    const server = plain('websocket');
    const s = session(server, { connectTimeout: 5000 });
    const started = Date.now();
    const err = await s.login('user@example.org', 'pw');
    expect(err).toMatchObject({ condition: 'internal-error' });
    expect(s.statuses).toContain('CONNFAIL:internal-error');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.errors.map((e) => String(e.error))).toContain('Error: restart broke');
  });
});

describe.each(CARRIERS)('defects inside a transport event handler (%s)', (carrier: Carrier) => {
  /** The built-in parser, except that reading the stream features throws (a defect inside a socket/fetch handler). */
  const breakingParser: XmlParserFactory = (handler, options) => {
    const inner = createStreamParser(handler, options);
    return {
      write: (chunk) => {
        if (String(chunk).includes('features')) throw new Error('parser broke');
        inner.write(chunk);
      },
      reset: () => inner.reset(),
      get idle() {
        return inner.idle;
      },
    };
  };

  it('an exception while handling what arrived ends the attempt with CONNFAIL internal-error, reported to onError', async () => {
    const s = session(plain(carrier), { parser: breakingParser, connectTimeout: 5000 });
    const started = Date.now();
    const err = await s.login('user@example.org', 'pw');
    expect(err).toMatchObject({ status: Status.CONNFAIL, condition: 'internal-error' });
    await until(() => s.statuses.at(-1) === 'DISCONNECTED:internal-error');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(s.errors.map((e) => String(e.error))).toContain('Error: parser broke');
  });

  it.each([
    ['returns no parser', () => ({ write: () => {} })],
    ['returns a Promise (the sax-wasm loader instead of its factory)', () => Promise.reject(new Error('not wasm'))],
    ['throws', () => {
      throw new Error('bad factory');
    }],
  ])('a parser factory that %s fails CONNFAIL invalid-option before anything is sent', async (_what, factory) => {
    const server = plain(carrier);
    const s = session(server, { parser: factory as unknown as XmlParserFactory });
    const err = await s.login('user@example.org', 'pw');
    expect(err).toMatchObject({ status: Status.CONNFAIL, condition: 'invalid-option' });
    expect(err?.text).toMatch(/^parser: /);
    expect(s.statuses).toEqual(['CONNFAIL:invalid-option', 'DISCONNECTED:invalid-option']);
    expect(server.wire).toEqual([]);
  });
});

describe('transport classes that misbehave', () => {
  it('a constructor that throws is CONNFAIL internal-error, the exception reported to onError', async () => {
    class Broken extends WebSocketTransport {
      constructor(...args: ConstructorParameters<typeof WebSocketTransport>) {
        super(...args);
        throw new Error('constructor broke');
      }
    }
    const s = session(plain('websocket'), { transports: [Broken] });
    const err = await s.login('user@example.org', 'pw');
    expect(err).toMatchObject({ status: Status.CONNFAIL, condition: 'internal-error' });
    expect(s.statuses).toEqual(['CONNFAIL:internal-error', 'DISCONNECTED:internal-error']);
    expect(s.errors.map((e) => [e.where, String(e.error)])).toContainEqual(['transport constructor', 'Error: constructor broke']);
  });

  it('a handles() that throws counts as no transport for the URL: improper-addressing', async () => {
    class Picky extends WebSocketTransport {
      static override handles(): boolean {
        throw new Error('handles broke');
      }
    }
    const s = session(plain('websocket'), { transports: [Picky] });
    expect(await s.login('user@example.org', 'pw')).toMatchObject({ status: Status.CONNFAIL, condition: 'improper-addressing' });
  });
});

describe.each(CARRIERS)('stream errors the client detects are sent to the server (%s)', (carrier: Carrier) => {
  const cases = [
    ['bad-format', 'malformed XML', "<message xmlns='jabber:client'><body>x</message>", {}],
    ['restricted-xml', 'a comment', "<message xmlns='jabber:client'><!-- hi --></message>", {}],
    ['policy-violation', 'a stanza over maxStanzaSize', `<message xmlns='jabber:client'><body>${'x'.repeat(500)}</body></message>`, { maxStanzaSize: 200 }],
    ['policy-violation', 'nesting deeper than maxDepth (default 256)', `<message xmlns='jabber:client'>${'<x>'.repeat(300)}${'</x>'.repeat(300)}</message>`, {}],
    ['policy-violation', 'nesting deeper than maxDepth: 8', `<message xmlns='jabber:client'>${'<x>'.repeat(9)}${'</x>'.repeat(9)}</message>`, { maxDepth: 8 }],
  ] as const;
  it.each(cases)('%s (%s): <stream:error> with the condition, then the stream ends', async (condition, _what, bad, options) => {
    const server = plain(carrier);
    const s = session(server, options);
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    server.reply(bad);
    await until(() => s.statuses.at(-1)?.startsWith('DISCONNECTED') ?? false);
    expect(s.statuses).toContain(`CONNFAIL:${condition}`);
    await until(() => server.wireText.includes('stream:error'));
    const sent = server.wire.find((w) => w.includes('stream:error')) ?? '';
    expect(sent).toContain(`<${condition} xmlns="${NS.streamErrors}"/>`);
    if (carrier === 'websocket') expect(server.wire.at(-1)).toMatch(/^<close /);
    else expect(sent).toMatch(/type="terminate"/);
  });
});

describe.each(CARRIERS)('IQ answers from the wrong peer (%s)', (carrier: Carrier) => {
  it('an answer must come from the full JID the IQ went to; resources are case-sensitive, the rest is not', async () => {
    let answerFrom = '';
    const server = plain(carrier, (el, srv) => answerIqs(answerFrom)(el, srv));
    const s = session(server, { iqTimeout: 150 });
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    answerFrom = 'bob@example.org/phone';
    await expect(s.conn.sendIQ($iq({ type: 'get', to: 'bob@example.org/Phone' }).c('ping', { xmlns: 'urn:xmpp:ping' }))).rejects.toMatchObject({ condition: 'timeout' });
    answerFrom = 'BOB@Example.ORG/Phone';
    const result = await s.conn.sendIQ($iq({ type: 'get', to: 'bob@example.org/Phone' }).c('ping', { xmlns: 'urn:xmpp:ping' }));
    expect(result.attrs.from).toBe('BOB@Example.ORG/Phone');
  });

  it('an IQ sent without `to` is answered only by our server or our own account', async () => {
    let answerFrom = '';
    const server = plain(carrier, (el, srv) => answerIqs(answerFrom)(el, srv));
    const s = session(server, { iqTimeout: 150 });
    expect(await s.login('user@example.org', 'pw')).toBeUndefined();
    const roster = () => s.conn.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
    for (const impostor of ['mallory@evil.example', 'evil.example', 'user@example.org/other', 'bob@example.org']) {
      answerFrom = impostor;
      const err = await roster().catch((e: unknown) => e);
      expect(err, impostor).toBeInstanceOf(IqError);
      expect(err, impostor).toMatchObject({ condition: 'timeout' });
    }
    for (const own of ['example.org', 'user@example.org', 'user@example.org/r', 'USER@EXAMPLE.ORG']) {
      answerFrom = own;
      expect((await roster()).attrs.from, own).toBe(own);
    }
  });
});

describe.each(CARRIERS)('the identity check after bind (%s)', (carrier: Carrier) => {
  it.each([
    ['NFD local part bound in NFC', 'ju\u0308rgen@example.org', 'j\u00fcrgen@example.org/r', true],
    ['nodeprep folding (ß → ss)', 'stra\u00dfe@example.org', 'strasse@example.org/r', true],
    ['fullwidth letters', '\uff41lice@example.org', 'alice@example.org/r', true],
    ['another account', 'alice@example.org', 'mallory@example.org/r', false],
    ['another domain', 'alice@example.org', 'alice@evil.example/r', false],
  ])('%s', async (_what, asked, bound, ok) => {
    const server = plain(carrier, undefined, bound);
    const s = session(server);
    const err = await s.login(asked, 'pw');
    if (ok) expect(err).toBeUndefined();
    else expect(err).toMatchObject({ condition: 'identity-mismatch' });
  });
});

describe('handler dispatch', () => {
  it('runs handlers added during dispatch from the next stanza on, and never runs a deleted one', () => {
    const table = new HandlerTable();
    const calls: string[] = [];
    const late = new StanzaHandler(() => {
      calls.push('late');
      return true;
    });
    let second: StanzaHandler | undefined;
    const first = new StanzaHandler(() => {
      calls.push('first');
      table.add(late);
      if (second) table.delete(second);
      return true;
    });
    second = new StanzaHandler(() => {
      calls.push('second');
      return true;
    });
    table.add(first);
    table.add(second);
    const el = new XmlElement('message');
    expect(table.dispatch(el, () => {})).toBe(1);
    expect(table.dispatch(el, () => {})).toBe(2);
    expect(calls).toEqual(['first', 'first', 'late']);
    table.add(first); // already registered: not twice
    expect(table.dispatch(el, () => {})).toBe(2);
  });
});

describe('work left running after the end', () => {
  it('PBKDF2 stops when the attempt ends (disconnect during a slow derivation)', async () => {
    const pbkdf2 = vi.spyOn(nobleScramCrypto, 'pbkdf2');
    const server = loginServer('websocket', {
      mechs: ['SCRAM-SHA-1'],
      sasl: (el, respond) => {
        const nonce = /r=([^,]*)/.exec(payload(el))?.[1] ?? '';
        respond(saslChallenge(`r=${nonce}srv,s=c2FsdHNhbHQ=,i=9000000`));
      },
    });
    const s = session(server, { mechanisms: [new ScramSha1({ crypto: nobleScramCrypto })] });
    const login = s.login('user@example.org', 'pw');
    await until(() => pbkdf2.mock.results.length > 0);
    const derivation = pbkdf2.mock.results[0]?.value as Promise<Uint8Array>;
    const settled = derivation.then(
      () => 'finished',
      (e: Error) => e.name,
    );
    const stopped = Date.now();
    await s.conn.disconnect();
    expect(await settled).toBe('AbortError');
    expect(Date.now() - stopped).toBeLessThan(500); // 9,000,000 rounds would take seconds
    expect(await login).toBeDefined();
  });
});
