// SCRAM: RFC 5802 / RFC 7677 vectors, SHA-512 round trip, saved keys, the pure-JS fallback and non-ASCII credentials.
import { describe, expect, it } from 'vitest';
import { nobleScramCrypto } from '../../mechanisms/crypto/noble-fallback.js';
import type { ScramCrypto } from '../../mechanisms/crypto/scram-crypto.js';
import { webCryptoScram } from '../../mechanisms/crypto/webcrypto.js';
import { type Scram, ScramSha1, ScramSha256, ScramSha512 } from '../../mechanisms/scram.js';
import type { SaslContext } from '../../src/sasl/mechanism.js';
import { bytes, makeCtx, text } from './helpers.js';
import { scramServer } from './scram-server.js';

const webCrypto = webCryptoScram(globalThis.crypto.subtle);

/** Runs client-first → server-first → client-final and returns the client-final message. */
async function toFinal(mech: Scram, ctx: SaslContext, serverFirst: string | ((cf: string) => string)) {
  mech.onStart(ctx);
  const clientFirst = text(await mech.clientChallenge(ctx));
  const sf = typeof serverFirst === 'string' ? serverFirst : serverFirst(clientFirst);
  return { clientFirst, clientFinal: text(await mech.onChallenge(ctx, bytes(sf))) };
}

describe('SCRAM-SHA-1 (RFC 5802 §5)', () => {
  for (const [label, crypto] of [
    ['WebCrypto', webCrypto],
    ['fallback', nobleScramCrypto],
  ] as const) {
    it(`reproduces the example exchange (${label})`, async () => {
      const mech = new ScramSha1({ crypto, nonce: () => 'fyko+d2lbbFgONRv9qkxdawL' });
      const ctx = makeCtx({ authcid: 'user', password: 'pencil' });
      const { clientFirst, clientFinal } = await toFinal(mech, ctx, 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
      expect(clientFirst).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
      expect(clientFinal).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
      mech.onSuccess(ctx, bytes('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
      expect(ctx.savedKeys).toEqual([expect.objectContaining({ mechanism: 'SCRAM-SHA-1', salt: 'QSXCR+Q6sek8bf92', iterations: 4096 })]);
    });
  }
});

describe('SCRAM-SHA-256 (RFC 7677 §3)', () => {
  it('reproduces the example exchange', async () => {
    const mech = new ScramSha256({ crypto: webCrypto, nonce: () => 'rOprNGfwEbeRWgbNEkqO' });
    const ctx = makeCtx({ authcid: 'user', password: 'pencil' });
    const { clientFirst, clientFinal } = await toFinal(mech, ctx, 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(clientFirst).toBe('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
    expect(clientFinal).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(() => mech.onSuccess(ctx, bytes('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4='))).not.toThrow();
  });

  it('uses the default crypto provider when none is injected', async () => {
    const mech = new ScramSha256({ nonce: () => 'rOprNGfwEbeRWgbNEkqO' });
    const { clientFinal } = await toFinal(mech, makeCtx(), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(clientFinal).toMatch(/,p=dHzbZapWIk4jUhN\+Ute9ytag9zjfMHgsqmmiz7AndVQ=$/);
  });
});

describe('SCRAM-SHA-512', () => {
  it('completes a round trip against an independent server computation', async () => {
    const server = scramServer({ hash: 'SHA-512', password: 'pencil' });
    const mech = new ScramSha512({ crypto: webCrypto });
    const ctx = makeCtx();
    const { clientFinal } = await toFinal(mech, ctx, (cf) => server.first(cf));
    const final = server.final(clientFinal);
    expect(final).toMatch(/^v=/);
    mech.onSuccess(ctx, bytes(final));
    expect(ctx.savedKeys[0]).toMatchObject({
      mechanism: 'SCRAM-SHA-512',
      clientKey: server.clientKey.toString('base64'),
      serverKey: server.serverKey.toString('base64'),
    });
  });

  it('generates a fresh random nonce of at least 18 bytes each attempt', async () => {
    const mech = new ScramSha512();
    const ctx = makeCtx();
    mech.onStart(ctx);
    const a = text(await mech.clientChallenge(ctx));
    mech.onStart(ctx);
    const b = text(await mech.clientChallenge(ctx));
    const nonce = /r=(.*)$/.exec(a)?.[1] ?? '';
    expect(Buffer.from(nonce, 'base64').length).toBeGreaterThanOrEqual(18);
    expect(a).not.toBe(b);
  });
});

describe('fallback crypto', () => {
  it('computes the same PBKDF2, HMAC and digests as WebCrypto', async () => {
    const pw = bytes('pässwörd');
    const salt = bytes('salty');
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-512'] as const) {
      expect(await nobleScramCrypto.pbkdf2(hash, pw, salt, 4096)).toEqual(await webCrypto.pbkdf2(hash, pw, salt, 4096));
      expect(await nobleScramCrypto.hmac(hash, pw, salt)).toEqual(await webCrypto.hmac(hash, pw, salt));
      expect(await nobleScramCrypto.digest(hash, salt)).toEqual(await webCrypto.digest(hash, salt));
    }
  });

  it('produces the same client-final message through a whole exchange', async () => {
    const run = async (crypto: ScramCrypto) => {
      const server = scramServer({ hash: 'SHA-256', password: 'pencil' });
      return (await toFinal(new ScramSha256({ crypto, nonce: () => 'fixednonce' }), makeCtx(), (cf) => server.first(cf))).clientFinal;
    };
    expect(await run(nobleScramCrypto)).toBe(await run(webCrypto));
  });
});

describe('saved SCRAM keys', () => {
  it('skip PBKDF2 and the password when salt and iterations match', async () => {
    const server = scramServer({ hash: 'SHA-256', password: 'pencil' });
    const first = makeCtx();
    const m1 = new ScramSha256({ crypto: webCrypto });
    const r1 = await toFinal(m1, first, (cf) => server.first(cf));
    m1.onSuccess(first, bytes(server.final(r1.clientFinal)));
    const keys = first.savedKeys[0];
    expect(keys).toBeDefined();

    let pbkdf2Calls = 0;
    const counting: ScramCrypto = {
      ...webCrypto,
      pbkdf2: (...a) => {
        pbkdf2Calls++;
        return webCrypto.pbkdf2(...a);
      },
    };
    const second = makeCtx({ password: undefined, scramKeys: keys });
    const m2 = new ScramSha256({ crypto: counting });
    expect(m2.test(second)).toBe(true);
    const server2 = scramServer({ hash: 'SHA-256', password: 'pencil' });
    const r2 = await toFinal(m2, second, (cf) => server2.first(cf));
    const final = server2.final(r2.clientFinal);
    expect(final).toMatch(/^v=/);
    m2.onSuccess(second, bytes(final));
    expect(pbkdf2Calls).toBe(0);
  });

  it('are refused as stale when the server changed the salt and no password is available', async () => {
    const keys = { mechanism: 'SCRAM-SHA-256', salt: 'b2xkc2FsdA==', iterations: 4096, clientKey: 'AAAA', serverKey: 'AAAA' };
    const ctx = makeCtx({ password: undefined, scramKeys: keys });
    const server = scramServer({ hash: 'SHA-256', password: 'pencil' });
    await expect(toFinal(new ScramSha256({ crypto: webCrypto }), ctx, (cf) => server.first(cf))).rejects.toMatchObject({ condition: 'scram-keys-stale' });
  });

  it('fall back to the password when stale but a password is given', async () => {
    const keys = { mechanism: 'SCRAM-SHA-256', salt: 'b2xkc2FsdA==', iterations: 4096, clientKey: 'AAAA', serverKey: 'AAAA' };
    const ctx = makeCtx({ scramKeys: keys });
    const server = scramServer({ hash: 'SHA-256', password: 'pencil' });
    const { clientFinal } = await toFinal(new ScramSha256({ crypto: webCrypto }), ctx, (cf) => server.first(cf));
    expect(server.final(clientFinal)).toMatch(/^v=/);
  });

  it('only make test() pass for the mechanism they were derived with', () => {
    const keys = { mechanism: 'SCRAM-SHA-1', salt: 'c2FsdA==', iterations: 4096, clientKey: '', serverKey: '' };
    const ctx = makeCtx({ password: undefined, scramKeys: keys });
    expect(new ScramSha1().test(ctx)).toBe(true);
    expect(new ScramSha256().test(ctx)).toBe(false);
    expect(new ScramSha1().test(makeCtx({ password: undefined }))).toBe(false);
  });
});

describe('non-ASCII credentials', () => {
  it('SASLpreps and escapes the user name and the password', async () => {
    // The server stores the prepared password: soft hyphen removed, U+2168 (Roman numeral nine) as "IX".
    const server = scramServer({ hash: 'SHA-256', password: 'pässwördIX' });
    const ctx = makeCtx({ authcid: 'j\uFB01rgen,a=b', password: 'pä\u00ADsswörd\u2168' });
    const mech = new ScramSha256({ crypto: webCrypto });
    const { clientFirst, clientFinal } = await toFinal(mech, ctx, (cf) => server.first(cf));
    expect(clientFirst.startsWith('n,,n=jfirgen=2Ca=3Db,r=')).toBe(true);
    const final = server.final(clientFinal);
    expect(final).toMatch(/^v=/);
    mech.onSuccess(ctx, bytes(final));
  });

  it('sends an escaped authzid in the GS2 header', async () => {
    const mech = new ScramSha1({ nonce: () => 'abc' });
    const ctx = makeCtx({ authzid: 'admin,x@example.com' });
    mech.onStart(ctx);
    expect(await mech.clientChallenge(ctx)).toBe('n,a=admin=2Cx@example.com,n=user,r=abc');
  });
});

describe('server-final as a challenge (Cyrus style)', () => {
  it('is verified, answered empty, and a data-less success is accepted', async () => {
    const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
    const mech = new ScramSha1({ crypto: webCrypto });
    const ctx = makeCtx();
    const { clientFinal } = await toFinal(mech, ctx, (cf) => server.first(cf));
    expect(text(await mech.onChallenge(ctx, bytes(server.final(clientFinal))))).toBe('');
    expect(() => mech.onSuccess(ctx, null)).not.toThrow();
  });

  it('ignores success data after the signature was verified in a challenge (Prosody + Cyrus sends junk there)', async () => {
    const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
    const mech = new ScramSha1({ crypto: webCrypto });
    const ctx = makeCtx();
    const { clientFinal } = await toFinal(mech, ctx, (cf) => server.first(cf));
    await mech.onChallenge(ctx, bytes(server.final(clientFinal)));
    expect(() => mech.onSuccess(ctx, new Uint8Array([0, 0, 0xc3, 0x7f, 1]))).not.toThrow();
  });

  it('still refuses a success carrying a bogus v= when no challenge verified it', async () => {
    const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
    const mech = new ScramSha1({ crypto: webCrypto });
    const ctx = makeCtx();
    await toFinal(mech, ctx, (cf) => server.first(cf));
    expect(() => mech.onSuccess(ctx, bytes('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='))).toThrow(expect.objectContaining({ condition: 'scram-bad-server-signature' }));
  });
});
