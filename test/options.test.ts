// checkOptions: every option of ConnectionOptions, a value it takes and values of the wrong type or range.
import { describe, expect, it } from 'vitest';
import { CoreConnection } from '../src/connection.js';
import { ConnectionError } from '../src/errors.js';
import { CHECKED_OPTIONS } from '../src/options-check.js';
import { Status } from '../src/status.js';
import { BoshTransport } from '../src/transport/bosh.js';
import { WebSocketTransport } from '../src/transport/websocket.js';
import { createStreamParser } from '../src/xml/stream-parser.js';

const fn = () => {};

/** Per option: values it takes, and values it must refuse (the mistakes an application makes). */
const TABLE: Record<string, { good: unknown[]; bad: unknown[] }> = {
  mechanisms: { good: [[], ['PLAIN', 'SCRAM-SHA-1']], bad: ['PLAIN', [1], [null]] },
  mechanismPriorities: { good: [{ PLAIN: 10 }], bad: [{ PLAIN: '10' }, { PLAIN: Number.NaN }, [1], 'PLAIN'] },
  allowInsecurePasswords: { good: [true, false], bad: ['false', 'true', 0, 1, null] },
  parser: { good: [createStreamParser], bad: ['sax', {}] },
  maxStanzaSize: { good: [1, 65536], bad: [0, -1, 1.5, '1024', Number.POSITIVE_INFINITY] },
  maxDepth: { good: [1, 100], bad: [0, -5, '10'] },
  transports: { good: [[WebSocketTransport, BoshTransport]], bad: [WebSocketTransport, [class NotATransport {}], [{ handles: fn }], [null]] },
  WebSocket: { good: [class {}], bad: ['ws', {}] },
  lang: { good: ['en', 'pt-BR', 'zh-Hant-TW'], bad: ['', 'en us', "en'/><x", 5, ['en']] },
  connectTimeout: { good: [0, 30000], bad: ['30s', -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31] },
  disconnectTimeout: { good: [3000], bad: ['3000', -1, 2 ** 31] },
  iqTimeout: { good: [60000], bad: [Number.POSITIVE_INFINITY, -1, '1'] },
  explicitResourceBinding: { good: [true, false], bad: ['false', 1] },
  pipelining: { good: [true, false], bad: ['false', 0] },
  streamManagement: {
    good: [true, false, {}, { resume: false, requestEvery: 1, maxUnacked: 10, onUnacked: fn }],
    bad: ['true', { resume: 'no' }, { requestEvery: 0 }, { maxUnacked: -1 }, { onUnacked: 'x' }, { resumable: true }, null],
  },
  reconnect: {
    good: [true, false, {}, { initialDelay: 0, maxDelay: 1000, factor: 1, jitter: 1, maxAttempts: Number.POSITIVE_INFINITY }],
    bad: ['yes', { initialDelay: -1 }, { maxDelay: 2 ** 31 }, { factor: 0.5 }, { factor: Number.NaN }, { jitter: 2 }, { maxAttempts: 1.5 }, { delay: 5 }, []],
  },
  pingInterval: { good: [0, 60000], bad: [-1, '60000'] },
  pingTimeout: { good: [20000], bad: [Number.POSITIVE_INFINITY] },
  modules: { good: [{}, { keeper: fn }], bad: [fn, { keeper: 'x' }, { sm: fn }] },
  logger: { good: [{}, console, { debug: fn }], bad: ['console', { info: 'x' }, fn] },
  onError: { good: [fn], bad: ['x', {}] },
  wait: { good: [0, 60], bad: [-1, 1.5, '60'] },
  hold: { good: [0, 1], bad: [-1, '1'] },
  maxRetries: { good: [0, 5], bad: [-1, Number.POSITIVE_INFINITY] },
  withCredentials: { good: [true, false], bad: ['true'] },
  credentials: { good: ['omit', 'same-origin', 'include'], bad: ['all', true, 1] },
  headers: { good: [{}, { 'X-Token': 'a' }], bad: [{ 'X-Count': 1 }, 'X-Token: a', [['X-Token', 'a']]] },
  keepalive: { good: [true, false], bad: ['true'] },
  route: { good: ['xmpp:example.org:5222'], bad: [5222, {}] },
  fetch: { good: [fn], bad: ['fetch'] },
  boshTiming: {
    good: [{}, { baseDelay: 1, maxDelay: 2, setupMaxDelay: 3, setupRetries: 0, timeoutMargin: 10, minSpacing: 0, random: Math.random }],
    bad: [{ baseDelay: '5' }, { baseDelay: -1 }, { setupRetries: 0.5 }, { timeoutMargin: 1e9 }, { random: 0.5 }, { basedelay: 5 }, 5],
  },
  onUndelivered: { good: [fn], bad: ['x'] },
};

const build = (options: Record<string, unknown>) => new CoreConnection('ws://127.0.0.1/ws', options, { transports: [WebSocketTransport], mechanisms: [] });

function refusal(options: Record<string, unknown>): ConnectionError | undefined {
  try {
    build(options);
  } catch (e) {
    if (e instanceof ConnectionError) return e;
    throw e;
  }
  return undefined;
}

describe('checkOptions', () => {
  it('has a row for every option it checks, and checks every option of the table', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...CHECKED_OPTIONS].sort());
  });

  describe.each(Object.entries(TABLE))('%s', (name, { good, bad }) => {
    it.each(good.map((v) => [v]))('takes %o', (value) => {
      expect(refusal({ [name]: value })).toBeUndefined();
    });

    it.each(bad.map((v) => [v]))('refuses %o with invalid-option naming the option', (value) => {
      const e = refusal({ [name]: value });
      expect(e?.status).toBe(Status.ERROR);
      expect(e?.condition).toBe('invalid-option');
      expect(e?.text.startsWith(name)).toBe(true);
    });
  });

  it('leaves options it does not know to custom transports', () => {
    expect(refusal({ myTransportSetting: 'x' })).toBeUndefined();
  });

  it('refuses options that are not an object', () => {
    expect(refusal(null as never)?.condition).toBe('invalid-option');
  });
});
