// PLAIN (RFC 4616), ANONYMOUS, EXTERNAL, X-OAUTH2 and OAUTHBEARER (RFC 7628) message formats and test() rules.
import { describe, expect, it } from 'vitest';
import { Anonymous } from '../../mechanisms/anonymous.js';
import { External } from '../../mechanisms/external.js';
import { defaultMechanisms } from '../../mechanisms/index.js';
import { OAuthBearer } from '../../mechanisms/oauthbearer.js';
import { Plain } from '../../mechanisms/plain.js';
import { XOAuth2 } from '../../mechanisms/x-oauth2.js';
import { bytes, makeCtx, text } from './helpers.js';

describe('PLAIN', () => {
  it('matches the RFC 4616 §4 examples', () => {
    const plain = new Plain();
    expect(plain.clientChallenge(makeCtx({ authcid: 'tim', password: 'tanstaaftanstaaf' }))).toBe('\0tim\0tanstaaftanstaaf');
    expect(plain.clientChallenge(makeCtx({ authcid: 'Kurt', password: 'xipj3plmq', authzid: 'Ursel' }))).toBe('Ursel\0Kurt\0xipj3plmq');
  });

  it('omits an authzid equal to the account and sends UTF-8', () => {
    const plain = new Plain();
    expect(plain.clientChallenge(makeCtx({ authzid: 'user@example.com' }))).toBe('\0user\0pencil');
    expect(plain.clientChallenge(makeCtx({ authcid: 'jörg', password: 'pässwört' }))).toBe('\0jörg\0pässwört');
  });

  it('refuses NUL inside a field without echoing it', () => {
    expect(() => new Plain().clientChallenge(makeCtx({ password: 'a\0secret' }))).toThrowError(
      expect.objectContaining({ condition: 'plain-bad-credentials', message: expect.not.stringContaining('secret') }),
    );
  });

  it('needs a password and TLS unless insecure passwords are allowed', () => {
    const plain = new Plain();
    expect(plain.test(makeCtx())).toBe(true);
    expect(plain.test(makeCtx({ password: undefined }))).toBe(false);
    expect(plain.test(makeCtx({ secure: false }))).toBe(false);
    expect(plain.test(makeCtx({ secure: false, allowInsecurePasswords: true }))).toBe(true);
  });

  it('rejects additional data on success', () => {
    expect(() => new Plain().onSuccess(makeCtx(), bytes('x'))).toThrowError(expect.objectContaining({ condition: 'plain-unexpected-data' }));
    expect(() => new Plain().onSuccess(makeCtx(), null)).not.toThrow();
  });
});

describe('ANONYMOUS', () => {
  it('is usable for a domain-only JID or when whitelisted, and sends the trace', () => {
    const anon = new Anonymous();
    expect(anon.test(makeCtx({ authcid: '', password: undefined }))).toBe(true);
    expect(anon.test(makeCtx())).toBe(false);
    expect(anon.test(makeCtx({ whitelisted: new Set(['ANONYMOUS']) }))).toBe(true);
    expect(anon.clientChallenge()).toBe('');
    anon.trace = 'sirhc';
    expect(anon.clientChallenge()).toBe('sirhc');
    expect(anon.sendsSecret).toBe(false);
  });
});

describe('EXTERNAL', () => {
  it('needs a TLS service URL and sends an empty response or the authzid', () => {
    const ext = new External();
    expect(ext.test(makeCtx({ service: 'wss://example.com/ws' }))).toBe(true);
    expect(ext.test(makeCtx({ service: 'https://example.com/bosh' }))).toBe(true);
    expect(ext.test(makeCtx({ service: 'ws://localhost:5280/ws', secure: true }))).toBe(false);
    expect(ext.test(makeCtx({ service: 'not a url' }))).toBe(false);
    expect(ext.clientChallenge(makeCtx())).toBe('');
    expect(ext.clientChallenge(makeCtx({ authzid: 'admin@example.com' }))).toBe('admin@example.com');
    expect(text(ext.onChallenge(makeCtx(), new Uint8Array(0)))).toBe('');
    expect(() => ext.onChallenge(makeCtx(), bytes('?'))).toThrow(expect.objectContaining({ condition: 'unexpected-challenge' }));
    expect(ext.sendsSecret).toBe(false);
  });
});

describe('X-OAUTH2', () => {
  it('sends \\0authcid\\0token, only with a token', () => {
    const x = new XOAuth2();
    expect(x.test(makeCtx())).toBe(false);
    const ctx = makeCtx({ token: 'ya29.tok', password: undefined });
    expect(x.test(ctx)).toBe(true);
    expect(x.clientChallenge(ctx)).toBe('\0user\0ya29.tok');
  });
});

describe('OAUTHBEARER (RFC 7628)', () => {
  it('carries the §4.1 example kvpairs (auth first, which Prosody requires)', () => {
    const ob = new OAuthBearer();
    const ctx = makeCtx({ authcid: 'user', domain: 'example.com', token: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', service: 'https://server.example.com:143/' });
    expect(ob.clientChallenge(ctx)).toBe('n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01host=server.example.com\x01port=143\x01\x01');
  });

  it('defaults the port by scheme and uses the authzid when set', () => {
    const ob = new OAuthBearer();
    expect(ob.clientChallenge(makeCtx({ token: 't', service: 'wss://xmpp.example.com/ws' }))).toBe('n,a=user@example.com,\x01auth=Bearer t\x01host=xmpp.example.com\x01port=443\x01\x01');
    expect(ob.clientChallenge(makeCtx({ token: 't', service: 'http://localhost/http-bind', authzid: 'a,b@x' }))).toBe('n,a=a=2Cb@x,\x01auth=Bearer t\x01host=localhost\x01port=80\x01\x01');
  });

  it('answers the error challenge with a lone kvsep, once', () => {
    const ob = new OAuthBearer();
    const ctx = makeCtx({ token: 't' });
    ob.onStart(ctx);
    expect(ob.onChallenge()).toBe('\x01');
    expect(() => ob.onChallenge()).toThrow(expect.objectContaining({ condition: 'oauthbearer-unexpected-challenge' }));
  });

  it('is only used with a non-empty token and refuses control characters in it', () => {
    const ob = new OAuthBearer();
    expect(ob.test(makeCtx({ password: undefined }))).toBe(false);
    expect(ob.test(makeCtx({ token: '' }))).toBe(false);
    expect(ob.test(makeCtx({ token: 'x' }))).toBe(true);
    expect(() => ob.clientChallenge(makeCtx({ token: 'a\x01host=evil' }))).toThrowError(expect.objectContaining({ condition: 'oauthbearer-bad-token' }));
  });
});

describe('defaults', () => {
  it('have the documented names and priorities', () => {
    expect(defaultMechanisms.map((M) => { const m = new M(); return `${m.name}:${m.priority}`; })).toEqual([
      'EXTERNAL:60', 'SCRAM-SHA-512:50', 'SCRAM-SHA-256:45', 'SCRAM-SHA-1:40', 'OAUTHBEARER:35', 'DIGEST-MD5:30', 'X-OAUTH2:25', 'PLAIN:20', 'ANONYMOUS:10',
    ]);
  });
});
