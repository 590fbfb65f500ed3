// BOSH failures: terminal conditions, stream errors, lost sessions, malformed or non-BOSH answers, redirects.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { $msg } from '../../src/xml/builder.js';
import { body, created } from '../helpers/fake-bosh.js';
import { flush, opened, setup } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

const CONDITIONS = [
  'bad-request',
  'host-gone',
  'host-unknown',
  'improper-addressing',
  'internal-server-error',
  'other-request',
  'policy-violation',
  'remote-connection-failed',
  'remote-stream-error',
  'see-other-uri',
  'system-shutdown',
  'undefined-condition',
  'something-new',
];

describe('BOSH terminal conditions', () => {
  it.each(CONDITIONS)('ends with error %s when a terminate body carries it', async (condition) => {
    const { server, rec } = await opened();
    server.requests[1]?.reply(body({ type: 'terminate', condition }));
    await flush();
    expect(rec.ends).toEqual([{ kind: 'error', condition, text: expect.stringContaining(condition) }]);
    expect(rec.events.filter((e) => e.startsWith('end')).length).toBe(1);
  });

  it.each(['host-unknown', 'improper-addressing', 'system-shutdown'])('ends with error %s when session creation is refused', async (condition) => {
    const t = setup();
    t.transport.open('nowhere.example');
    (await t.server.next()).reply(body({ type: 'terminate', condition }));
    await flush();
    expect(t.rec.events).toEqual([`end:error:${condition}`]);
    expect(t.server.requests.length).toBe(1);
  });

  it('delivers a <stream:error> in a terminate body before ending', async () => {
    const { server, rec } = await opened();
    const streamError =
      "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>replaced</text></stream:error>";
    server.requests[1]?.reply(body({ type: 'terminate', condition: 'remote-stream-error' }, streamError));
    await flush();
    expect(rec.events.slice(-2)).toEqual(['el:error', 'end:error:remote-stream-error']);
    expect(rec.elements.at(-1)?.getNS()).toBe('http://etherx.jabber.org/streams');
    expect(rec.elements.at(-1)?.getChild('conflict')).toBeDefined();
  });

  it('reports a terminate without a condition as the server closing', async () => {
    const { server, rec } = await opened();
    server.requests[1]?.reply(body({ type: 'terminate' }));
    await flush();
    expect(rec.events.at(-1)).toBe('end:closed:server-closed');
  });

  it('follows see-other-uri at session creation as a redirect', async () => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).reply(body({ type: 'terminate', condition: 'see-other-uri' }, '<uri>https://other.example/bosh</uri>'));
    await flush();
    expect(t.rec.ends[0]).toMatchObject({ kind: 'redirect', uri: 'https://other.example/bosh' });
  });
});

describe('BOSH sessions the server lost', () => {
  it('treats terminate item-not-found after the session was established as closed, and hands back unsent stanzas', async () => {
    const { server, transport, rec } = await opened();
    transport.send($msg({ to: 'a@b' }).c('body').t('lost?').tree());
    await flush();
    server.requests[1]?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    expect(rec.events.slice(-2)).toEqual(['undelivered:1', 'end:closed:item-not-found']);
    expect(rec.ends[0]?.text).toMatch(/no longer has this session/);
    expect(server.requests[2]?.aborted).toBe(true);
  });

  it('hands back the stanzas of the very request that was refused with item-not-found, first', async () => {
    const { server, transport, rec } = await opened();
    transport.send($msg({ to: 'a@b' }).c('body').t('one').tree());
    await flush();
    transport.send($msg({ to: 'a@b' }).c('body').t('two').tree());
    await flush();
    server.requests[1]?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    server.requests[2]?.reply(body({ type: 'terminate', condition: 'item-not-found' }));
    await flush();
    expect(rec.undelivered.map((els) => els.map((e) => e.getChildText('body')))).toEqual([['one', 'two']]);
  });

  it('treats HTTP 404 after the session was established as closed', async () => {
    const { server, rec } = await opened();
    server.requests[1]?.status(404, 'Not Found');
    await flush();
    expect(rec.events.at(-1)).toBe('end:closed:item-not-found');
  });

  it.each([
    [400, 'bad-request'],
    [403, 'policy-violation'],
    [418, 'undefined-condition'],
  ])('maps HTTP %i during the session to error %s', async (status, condition) => {
    const { server, rec } = await opened();
    server.requests[1]?.status(status);
    await flush();
    expect(rec.events.at(-1)).toBe(`end:error:${condition}`);
  });
});

describe('BOSH answers that are not BOSH', () => {
  const notBosh: [string, string, RegExp][] = [
    ['an HTML page', '<!DOCTYPE html><html><head><title>It works</title></head><body><p>hi</p></body></html>', /got "<!DOCTYPE html><html><head><title>It works/],
    ['plain text', 'Hello from nginx', /got "Hello from nginx"/],
    ['an empty answer', '', /got an empty answer/],
    ['XML with another root', "<response xmlns='urn:x'/>", /got <response> without the BOSH namespace/],
    ['a body in no namespace', '<body sid="x"/>', /got <body> without the BOSH namespace$/],
  ];

  it.each(notBosh)('refuses %s answered with 200 to session creation, naming the likely cause', async (_what, text, detail) => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).reply(text);
    await flush();
    expect(t.rec.events).toEqual(['end:error:bad-format']);
    expect(t.rec.ends[0]?.text).toMatch(/not a BOSH endpoint \(wrong URL\?\)/);
    expect(t.rec.ends[0]?.text).toMatch(detail);
  });

  it('refuses a malformed BOSH body with bad-format', async () => {
    const { server, rec } = await opened();
    server.requests[1]?.reply(`<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client'><body>x</message></body>`);
    await flush();
    expect(rec.events.at(-1)).toBe('end:error:bad-format');
    expect(rec.ends[0]?.text).toMatch(/malformed BOSH body/);
  });

  it('refuses a truncated BOSH body', async () => {
    const { server, rec } = await opened();
    server.requests[1]?.reply(`<body xmlns='http://jabber.org/protocol/httpbind'><message xmlns='jabber:client'>`);
    await flush();
    expect(rec.ends[0]).toMatchObject({ kind: 'error', condition: 'bad-format', text: expect.stringMatching(/truncated|not closed/) });
  });

  it('refuses restricted XML inside a body with restricted-xml', async () => {
    const { server, rec } = await opened();
    server.requests[1]?.reply(`<body xmlns='http://jabber.org/protocol/httpbind'><!-- hi --></body>`);
    await flush();
    expect(rec.ends[0]?.condition).toBe('restricted-xml');
  });

  it('applies maxStanzaSize to each stanza of a body', async () => {
    const { server, rec } = await opened({ maxStanzaSize: 1000 });
    server.requests[1]?.reply(body({}, `<message xmlns='jabber:client'><body>${'x'.repeat(2000)}</body></message>`));
    await flush();
    expect(rec.ends[0]?.condition).toBe('policy-violation');
  });

  it('refuses a creation answer without sid', async () => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).reply(body({ wait: 60 }));
    await flush();
    expect(t.rec.ends[0]).toMatchObject({ kind: 'error', condition: 'bad-format', text: expect.stringMatching(/no sid/) });
  });

  it.each([
    ['without xmpp:version', body({ sid: 's', 'xmlns:xmpp': 'urn:xmpp:xbosh' }), /version missing/],
    ['with xmpp:version 2.0', created('s', { 'xmpp:version': '2.0' }), /version 2\.0/],
    ['with xmpp:version 0.9', created('s', { 'xmpp:version': '0.9' }), /version 0\.9/],
    ['with the xmpp prefix bound to another namespace', created('s', { 'xmlns:xmpp': 'urn:other' }), /version missing/],
  ])('refuses a creation answer %s with unsupported-version, before the stream opens', async (_what, answer, detail) => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).reply(answer);
    await flush();
    expect(t.rec.events).toEqual(['end:error:unsupported-version']);
    expect(t.rec.ends[0]?.text).toMatch(detail);
  });

  it('accepts xmpp:version 1.0 under any prefix bound to urn:xmpp:xbosh', async () => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).reply(body({ sid: 's', 'xmlns:x': 'urn:xmpp:xbosh', 'x:version': '1.0' }));
    await flush();
    expect(t.rec.events[0]).toBe('open');
  });

  it('reports an HTTP error to session creation as a wrong URL', async () => {
    const t = setup();
    t.transport.open('example.org');
    (await t.server.next()).status(404, '<html>Not Found</html>');
    await flush();
    expect(t.rec.events).toEqual(['end:error:remote-connection-failed']);
    expect(t.rec.ends[0]?.text).toMatch(/HTTP 404, not a BOSH endpoint/);
  });

  it('reports a CORS refusal or an unreachable server at creation with the likely causes', async () => {
    vi.useFakeTimers();
    const t = setup((req) => req.fail('Failed to fetch'));
    t.transport.open('example.org');
    await vi.advanceTimersByTimeAsync(5000);
    expect(t.rec.ends[0]?.condition).toBe('remote-connection-failed');
    expect(t.rec.ends[0]?.text).toMatch(/Failed to fetch.*down.*URL.*CORS.*TLS/);
  });
});
