// Small guards of the simple mechanisms and the crypto helpers: injection checks, strict base64, constant-time
// compare, the WebCrypto/fallback choice and key handling.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isDomainOnly } from '../../mechanisms/account.js';
import { Anonymous } from '../../mechanisms/anonymous.js';
import { constantTimeEqual } from '../../mechanisms/crypto/compare.js';
import { nobleScramCrypto } from '../../mechanisms/crypto/noble-fallback.js';
import { pbkdf2Sha1 } from '../../mechanisms/crypto/pbkdf2-sha1.js';
import { loadScramCrypto } from '../../mechanisms/crypto/scram-crypto.js';
import { webCryptoScram } from '../../mechanisms/crypto/webcrypto.js';
import { OAuthBearer } from '../../mechanisms/oauthbearer.js';
import { Plain } from '../../mechanisms/plain.js';
import { XOAuth2 } from '../../mechanisms/x-oauth2.js';
import { fromBase64 } from '../../src/sasl/encoding.js';
import { bytes, makeCtx } from './helpers.js';

afterEach(() => vi.unstubAllGlobals());

describe('X-OAUTH2', () => {
  it('refuses a NUL in the token or in the user name (it would shift the fields)', () => {
    const mech = new XOAuth2();
    for (const over of [{ token: 'to\0ken' }, { token: 'token', authcid: 'us\0er' }]) {
      expect(() => mech.clientChallenge(makeCtx(over))).toThrowError(expect.objectContaining({ condition: 'xoauth2-bad-token' }));
    }
    expect(mech.clientChallenge(makeCtx({ token: 'token' }))).toBe('\0user\0token');
  });
});

describe('PLAIN', () => {
  it('accepts <success/> with empty data', () => {
    expect(() => new Plain().onSuccess(makeCtx(), new Uint8Array(0))).not.toThrow();
  });
});

describe('OAUTHBEARER', () => {
  const ctx = (service: string) => makeCtx({ token: 'tok', service });
  it('names an IPv6 host without brackets, and falls back to the domain when the service is no URL', () => {
    const m = new OAuthBearer();
    expect(m.clientChallenge(ctx('wss://[::1]:5281/xmpp'))).toBe('n,a=user@example.com,\x01auth=Bearer tok\x01host=::1\x01port=5281\x01\x01');
    expect(m.clientChallenge(ctx('not a url'))).toBe('n,a=user@example.com,\x01auth=Bearer tok\x01host=example.com\x01\x01');
  });

  it('answers the error report of each new attempt', () => {
    const m = new OAuthBearer();
    m.onStart(makeCtx());
    expect(m.onChallenge()).toBe('\x01');
    m.onStart(makeCtx());
    expect(m.onChallenge()).toBe('\x01');
  });
});

describe('ANONYMOUS', () => {
  it('sends its trace (at most 255 characters) as the initial response, or when challenged', () => {
    const m = new Anonymous();
    expect(m.isClientFirst).toBe(true);
    m.trace = `${'😀'.repeat(254)}xyz`;
    expect([...m.clientChallenge()]).toHaveLength(255);
    expect(m.onChallenge()).toBe(`${'😀'.repeat(254)}x`);
  });

  it('treats a JID without a local part as domain-only, looking only before the resource', () => {
    expect(isDomainOnly(makeCtx({ authcid: '', jid: 'example.com' }))).toBe(true);
    expect(isDomainOnly(makeCtx({ authcid: '', jid: 'someone@example.com' }))).toBe(true);
    expect(isDomainOnly(makeCtx({ authcid: 'u', jid: 'example.com/phone@home' }))).toBe(true);
    expect(isDomainOnly(makeCtx({ authcid: 'u', jid: 'u@example.com/res' }))).toBe(false);
    expect(isDomainOnly(makeCtx({ authcid: 'u', jid: 'u@example.com' }))).toBe(false);
  });
});

describe('strict base64', () => {
  it('refuses missing padding, stray characters and data after padding', () => {
    for (const bad of ['QQ', 'QUFBQQ', 'QUF', 'QQ=', 'QUFB!', '!QUFB', 'QQ==QQ==', 'Q===']) expect(() => fromBase64(bad), bad).toThrow(TypeError);
    expect(fromBase64(' QU\nFB ')).toEqual(bytes('AAA'));
    expect(fromBase64('QQ==')).toEqual(bytes('A'));
    expect(fromBase64('')).toEqual(new Uint8Array(0));
  });
});

describe('constantTimeEqual', () => {
  it('is false for different lengths, even when one is a prefix of the other', () => {
    expect(constantTimeEqual(bytes('abc'), bytes('abcd'))).toBe(false);
    expect(constantTimeEqual(bytes('abcd'), bytes('abc'))).toBe(false);
    expect(constantTimeEqual(new Uint8Array(0), bytes('a'))).toBe(false);
    expect(constantTimeEqual(bytes('abc'), bytes('abc'))).toBe(true);
    expect(constantTimeEqual(bytes('abc'), bytes('abd'))).toBe(false);
  });
});

describe('crypto providers', () => {
  it('WebCrypto when crypto.subtle exists, else the pure-JS fallback (also without crypto at all)', async () => {
    expect(await loadScramCrypto()).not.toBe(nobleScramCrypto);
    vi.stubGlobal('crypto', {});
    expect(await loadScramCrypto()).toBe(nobleScramCrypto);
    vi.stubGlobal('crypto', undefined);
    expect(await loadScramCrypto()).toBe(nobleScramCrypto);
  });

  it('imports every WebCrypto key as non-extractable', async () => {
    const subtle = globalThis.crypto.subtle;
    const extractable: boolean[] = [];
    const spy = new Proxy(subtle, {
      get(target, prop) {
        const v = Reflect.get(target, prop, target);
        if (prop !== 'importKey') return typeof v === 'function' ? v.bind(target) : v;
        return (...args: Parameters<SubtleCrypto['importKey']>) => {
          extractable.push(args[3]);
          return target.importKey(...args);
        };
      },
    });
    const c = webCryptoScram(spy);
    await c.hmac('SHA-256', bytes('k'), bytes('d'));
    await c.pbkdf2('SHA-256', bytes('p'), bytes('s'), 1);
    expect(extractable).toEqual([false, false]);
  });

  it('pbkdf2Sha1 derives a 1-byte key', async () => {
    expect(await pbkdf2Sha1(bytes('password'), bytes('salt'), 1, 1)).toEqual(new Uint8Array([0x0c]));
  });
});
