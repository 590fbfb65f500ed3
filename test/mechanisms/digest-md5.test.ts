// DIGEST-MD5: the RFC 2831 §4 example, rspauth checks, challenge parsing and MD5 itself.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { md5 } from '../../mechanisms/crypto/md5.js';
import { DigestMd5 } from '../../mechanisms/digest-md5.js';
import { bytes, makeCtx, text } from './helpers.js';

const RFC_CHALLENGE = 'realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",qop="auth",algorithm=md5-sess,charset=utf-8';
const rfcCtx = () => makeCtx({ authcid: 'chris', password: 'secret', domain: 'elwood.innosoft.com' });
const rfcMech = () => new DigestMd5({ service: 'imap', cnonce: () => 'OA6MHXh6VqTrRk' });

describe('DIGEST-MD5 (RFC 2831 §4 example)', () => {
  it('computes the example response and accepts the example rspauth', async () => {
    const mech = rfcMech();
    const ctx = rfcCtx();
    mech.onStart(ctx);
    expect(mech.isClientFirst).toBe(false);
    expect(text(await mech.onChallenge(ctx, bytes(RFC_CHALLENGE)))).toBe(
      'charset=utf-8,username="chris",realm="elwood.innosoft.com",nonce="OA6MG9tEQGm2hh",nc=00000001,cnonce="OA6MHXh6VqTrRk",digest-uri="imap/elwood.innosoft.com",response=d388dad90d4bbd760a152321f2143af7,qop=auth',
    );
    expect(text(await mech.onChallenge(ctx, bytes('rspauth=ea40f60335c427b5527b84dbabcdfffd')))).toBe('');
    expect(() => mech.onSuccess(ctx, null)).not.toThrow();
  });

  it('accepts rspauth carried in <success/> instead', async () => {
    const mech = rfcMech();
    const ctx = rfcCtx();
    mech.onStart(ctx);
    await mech.onChallenge(ctx, bytes(RFC_CHALLENGE));
    expect(() => mech.onSuccess(ctx, bytes('rspauth=ea40f60335c427b5527b84dbabcdfffd'))).not.toThrow();
  });

  it('rejects a wrong rspauth and a success without one', async () => {
    const mech = rfcMech();
    const ctx = rfcCtx();
    mech.onStart(ctx);
    await mech.onChallenge(ctx, bytes(RFC_CHALLENGE));
    await expect(mech.onChallenge(ctx, bytes('rspauth=00000000000000000000000000000000'))).rejects.toMatchObject({ condition: 'digest-bad-rspauth' });
    mech.onStart(ctx);
    await mech.onChallenge(ctx, bytes(RFC_CHALLENGE));
    expect(() => mech.onSuccess(ctx, null)).toThrowError(expect.objectContaining({ condition: 'digest-missing-rspauth' }));
    mech.onStart(ctx);
    expect(() => mech.onSuccess(ctx, null)).toThrowError(expect.objectContaining({ condition: 'digest-missing-rspauth' }));
  });

  it('a new attempt started while the exchange module loads is answered as a new attempt', async () => {
    const mech = rfcMech();
    const ctx = rfcCtx();
    mech.onStart(ctx);
    const stale = mech.onChallenge(ctx, bytes(RFC_CHALLENGE)); // the module is still being fetched
    mech.onStart(ctx); // connect() again on the same connection
    await expect(stale).rejects.toMatchObject({ condition: 'digest-superseded' });
    expect(text(await mech.onChallenge(ctx, bytes(RFC_CHALLENGE)))).toContain('response=d388dad90d4bbd760a152321f2143af7');
  });

  it('uses xmpp/<domain> by default, quotes escapes and sends the authzid', async () => {
    const mech = new DigestMd5({ cnonce: () => 'c' });
    const ctx = makeCtx({ authcid: 'a"b', authzid: 'admin@example.com' });
    mech.onStart(ctx);
    const out = text(await mech.onChallenge(ctx, bytes('nonce="n\\"x",qop="auth,auth-int",algorithm=md5-sess')));
    expect(out).toContain('username="a\\"b"');
    expect(out).toContain('nonce="n\\"x"');
    expect(out).toContain('digest-uri="xmpp/example.com"');
    expect(out).toContain('authzid="admin@example.com"');
    expect(out).not.toContain('charset');
    expect(out).not.toContain('realm');
  });

  it('refuses malformed challenges', async () => {
    const ctx = rfcCtx();
    for (const bad of ['nonce="a",nonce="b",algorithm=md5-sess', 'qop="auth",algorithm=md5-sess', 'nonce="a"', 'nonce="a",algorithm=md5-sess,qop="auth-conf"', 'nonce="unterminated', 'x'.repeat(3000)]) {
      const mech = rfcMech();
      mech.onStart(ctx);
      await expect(mech.onChallenge(ctx, bytes(bad))).rejects.toMatchObject({ condition: 'digest-bad-challenge' });
    }
  });

  it('needs a password on a secure transport (or allowInsecurePasswords)', () => {
    const mech = new DigestMd5();
    expect(mech.test(makeCtx())).toBe(true);
    expect(mech.test(makeCtx({ password: undefined }))).toBe(false);
    expect(mech.test(makeCtx({ secure: false }))).toBe(false);
    expect(mech.test(makeCtx({ secure: false, allowInsecurePasswords: true }))).toBe(true);
  });
});

describe('md5', () => {
  it('matches node:crypto on all padding boundaries', () => {
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
      expect(Buffer.from(md5(data)).toString('hex')).toBe(createHash('md5').update(data).digest('hex'));
    }
    expect(Buffer.from(md5(bytes('abc'))).toString('hex')).toBe('900150983cd24fb0d6963f7d28e17f72');
  });
});
