// DIGEST-MD5 against an independent computation on node:crypto: charsets, realms, authzid, and what the
// challenge parser accepts or refuses.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestMd5 } from '../../mechanisms/digest-md5.js';
import { bytes, makeCtx, text } from './helpers.js';

const md5 = (b: Buffer | string) => createHash('md5').update(b).digest();
const hexMd5 = (s: string) => md5(s).toString('hex');

/** RFC 2831 §2.1.2.1 response and rspauth, computed here; `latin1` says how user, realm and password are hashed. */
function expected(o: { user: string; realm: string; password: string; nonce: string; cnonce: string; authzid?: string; uri: string; latin1: boolean }) {
  const enc = o.latin1 ? 'latin1' : 'utf8';
  const a1 = Buffer.concat([md5(Buffer.from(`${o.user}:${o.realm}:${o.password}`, enc)), Buffer.from(`:${o.nonce}:${o.cnonce}${o.authzid ? `:${o.authzid}` : ''}`)]);
  const ha1 = md5(a1).toString('hex');
  const kd = (a2: string) => hexMd5(`${ha1}:${o.nonce}:00000001:${o.cnonce}:auth:${hexMd5(a2)}`);
  return { response: kd(`AUTHENTICATE:${o.uri}`), rspauth: kd(`:${o.uri}`) };
}

async function answer(challenge: string, ctxOver: Parameters<typeof makeCtx>[0] = {}) {
  const mech = new DigestMd5({ cnonce: () => 'cn' });
  const ctx = makeCtx(ctxOver);
  mech.onStart(ctx);
  return { mech, ctx, out: text(await mech.onChallenge(ctx, bytes(challenge))) };
}

const condition = (p: Promise<unknown> | (() => unknown)) =>
  Promise.resolve()
    .then(() => (typeof p === 'function' ? p() : p))
    .then(
      () => undefined,
      (e: { condition?: string }) => e.condition,
    );

describe('hashing', () => {
  it('hashes a password that fits ISO 8859-1 as ISO 8859-1, any other as UTF-8', async () => {
    for (const [password, latin1] of [
      ['pässwörd', true],
      ['€uro', false],
      ['p€', false],
      ['é', true],
    ] as const) {
      const { out } = await answer('nonce="n",algorithm=md5-sess', { password });
      const want = expected({ user: 'user', realm: '', password, nonce: 'n', cnonce: 'cn', uri: 'xmpp/example.com', latin1 });
      expect(out).toBe(`username="user",nonce="n",nc=00000001,cnonce="cn",digest-uri="xmpp/example.com",response=${want.response},qop=auth`);
    }
  });

  it('puts the authzid in A1', async () => {
    const { out } = await answer('nonce="n",algorithm=md5-sess', { authzid: 'admin@example.com' });
    const want = expected({ user: 'user', realm: '', password: 'pencil', nonce: 'n', cnonce: 'cn', authzid: 'admin@example.com', uri: 'xmpp/example.com', latin1: true });
    expect(out).toContain(`response=${want.response}`);
  });
});

describe('challenge parsing', () => {
  it('takes our domain among several realms, else the first one', async () => {
    expect((await answer('realm="other.org",realm="example.com",nonce="n",algorithm=md5-sess')).out).toContain('realm="example.com"');
    expect((await answer('realm="other.org",nonce="n",algorithm=md5-sess')).out).toContain('realm="other.org"');
  });

  it('unescapes any backslash-escaped character in a quoted value, whitespace too', async () => {
    expect((await answer('nonce="a\\ b",algorithm=md5-sess')).out).toContain('nonce="a b"');
  });

  it('accepts trailing commas and whitespace, a missing qop (auth) and a qop list with spaces', async () => {
    expect((await answer('nonce="n",algorithm=md5-sess, ,')).out).toContain('qop=auth');
    expect((await answer('nonce="n",algorithm=md5-sess,qop="auth-int, auth"')).out).toContain('qop=auth');
  });

  it('refuses an empty nonce, a challenge over 2048 bytes and one that is not UTF-8', async () => {
    const mech = new DigestMd5({ cnonce: () => 'cn' });
    const ctx = makeCtx();
    const step = (c: Uint8Array) => {
      mech.onStart(ctx);
      return condition(mech.onChallenge(ctx, c));
    };
    expect(await step(bytes('nonce="",algorithm=md5-sess'))).toBe('digest-bad-challenge');
    expect(await step(new Uint8Array([0x6e, 0x3d, 0xff]))).toBe('digest-bad-challenge');
    // a valid challenge but for one byte that is not UTF-8 (it must not become U+FFFD in the hash)
    expect(await step(new Uint8Array([...bytes('nonce="a'), 0xff, ...bytes('",algorithm=md5-sess')]))).toBe('digest-bad-challenge');
    const base = 'nonce="n",algorithm=md5-sess,realm="';
    const exactly = `${base}${'r'.repeat(2048 - base.length - 1)}"`;
    expect(bytes(exactly).length).toBe(2048);
    expect(await step(bytes(exactly))).toBeUndefined();
    expect(await step(bytes(`${base}${'r'.repeat(2048 - base.length)}"`))).toBe('digest-bad-challenge');
  });
});

describe('rspauth', () => {
  it('is checked once: a challenge after it is refused', async () => {
    const { mech, ctx } = await answer('nonce="n",algorithm=md5-sess');
    const { rspauth } = expected({ user: 'user', realm: '', password: 'pencil', nonce: 'n', cnonce: 'cn', uri: 'xmpp/example.com', latin1: true });
    expect(text(await mech.onChallenge(ctx, bytes(`rspauth=${rspauth}`)))).toBe('');
    expect(await condition(mech.onChallenge(ctx, bytes(`rspauth=${rspauth}`)))).toBe('unexpected-challenge');
  });

  it('missing from the second challenge or from <success/> data is digest-missing-rspauth', async () => {
    const a = await answer('nonce="n",algorithm=md5-sess');
    expect(await condition(a.mech.onChallenge(a.ctx, bytes('qop=auth')))).toBe('digest-missing-rspauth');
    const b = await answer('nonce="n",algorithm=md5-sess');
    expect(await condition(() => b.mech.onSuccess(b.ctx, bytes('qop=auth')))).toBe('digest-missing-rspauth');
  });

  it('is not accepted in <success/> after a refused first challenge', async () => {
    const mech = new DigestMd5({ cnonce: () => 'cn' });
    const ctx = makeCtx();
    mech.onStart(ctx);
    expect(await condition(mech.onChallenge(ctx, bytes('algorithm=md5-sess')))).toBe('digest-bad-challenge');
    expect(await condition(() => mech.onSuccess(ctx, bytes('rspauth=00')))).toBe('digest-missing-rspauth');
  });
});
