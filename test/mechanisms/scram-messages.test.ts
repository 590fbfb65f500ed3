// SCRAM against malformed or hostile server messages, called directly: each refusal carries its own condition.
import { describe, expect, it } from 'vitest';
import { webCryptoScram } from '../../mechanisms/crypto/webcrypto.js';
import { type Scram, ScramSha1, ScramSha256 } from '../../mechanisms/scram.js';
import type { SaslContext } from '../../src/sasl/mechanism.js';
import { bytes, makeCtx, text } from './helpers.js';
import { scramServer } from './scram-server.js';

const webCrypto = webCryptoScram(globalThis.crypto.subtle);
const NONCE = 'clientnonce';
const notUtf8 = new Uint8Array([0x72, 0x3d, 0xff, 0xfe]);

async function started(ctx: SaslContext = makeCtx(), mech: Scram = new ScramSha1({ crypto: webCrypto, nonce: () => NONCE })) {
  mech.onStart(ctx);
  await mech.clientChallenge(ctx);
  return { mech, ctx };
}

/** The condition `p` rejects or throws with. */
async function conditionOf(p: () => unknown): Promise<string | undefined> {
  try {
    await p();
  } catch (e) {
    return (e as { condition?: string }).condition ?? `not a SaslError: ${String(e)}`;
  }
  return undefined;
}

async function firstFails(serverFirst: string): Promise<string | undefined> {
  const { mech, ctx } = await started();
  return conditionOf(() => mech.onChallenge(ctx, bytes(serverFirst)));
}

/** A mechanism that sent client-final to a correct server; returns the server-final it would send. */
async function atFinal() {
  const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
  const ctx = makeCtx();
  const mech = new ScramSha1({ crypto: webCrypto });
  mech.onStart(ctx);
  const clientFinal = text(await mech.onChallenge(ctx, bytes(server.first(text(await mech.clientChallenge(ctx))))));
  return { mech, ctx, serverFinal: server.final(clientFinal) };
}

describe('server-first-message', () => {
  it('refuses one that is not UTF-8', async () => {
    const { mech, ctx } = await started();
    expect(await conditionOf(() => mech.onChallenge(ctx, notUtf8))).toBe('scram-bad-server-first');
  });

  it.each([
    ['s= missing', `r=${NONCE}srv,x=c2FsdA==,i=4096`],
    ['i= missing', `r=${NONCE}srv,s=c2FsdA==,x=4096`],
    ['r= renamed', `x=${NONCE}srv,s=c2FsdA==,i=4096`],
    ['only r=', `r=${NONCE}srv`],
    ['r= and s= only', `r=${NONCE}srv,s=c2FsdA==`],
  ])('refuses a malformed one (%s)', async (_, serverFirst) => {
    expect(await firstFails(serverFirst)).toBe('scram-bad-server-first');
  });

  it('refuses a server nonce with characters outside printable ASCII minus comma', async () => {
    for (const bad of [`${NONCE}s v`, `${NONCE}s\u00e9v`]) expect(await firstFails(`r=${bad},s=c2FsdA==,i=4096`)).toBe('scram-bad-server-first');
  });

  it('refuses an empty salt', async () => {
    expect(await firstFails(`r=${NONCE}srv,s=,i=4096`)).toBe('scram-bad-server-first');
  });

  it.each(['x4096', '4096x', '04096', '+4096', '4096.0', '', '12345678901'])('refuses the iteration count %j', async (i) => {
    expect(await firstFails(`r=${NONCE}srv,s=c2FsdA==,i=${i}`)).toBe('scram-bad-server-first');
  });

  it('accepts an iteration count equal to maxIterations', async () => {
    const { mech, ctx } = await started();
    mech.maxIterations = 4096;
    expect(text(await mech.onChallenge(ctx, bytes(`r=${NONCE}srv,s=c2FsdA==,i=4096`)))).toMatch(/^c=biws,r=clientnoncesrv,p=/);
  });
});

describe('server-final-message', () => {
  it('refuses one that is not UTF-8, as a challenge and in <success/>', async () => {
    const a = await atFinal();
    expect(await conditionOf(() => a.mech.onChallenge(a.ctx, notUtf8))).toBe('scram-bad-server-final');
    const b = await atFinal();
    expect(await conditionOf(() => b.mech.onSuccess(b.ctx, notUtf8))).toBe('scram-bad-server-final');
  });

  it('refuses one without v= (and without e=)', async () => {
    const { mech, ctx, serverFinal } = await atFinal();
    expect(await conditionOf(() => mech.onChallenge(ctx, bytes(`x=${serverFinal.slice(2)}`)))).toBe('scram-missing-verifier');
  });

  it('refuses an empty or truncated v= (a prefix of the right signature is not the signature)', async () => {
    for (const keep of [0, 12, 19]) {
      const { mech, ctx, serverFinal } = await atFinal();
      const v = Buffer.from(serverFinal.slice(2), 'base64').subarray(0, keep).toString('base64');
      expect(await conditionOf(() => mech.onSuccess(ctx, bytes(`v=${v}`)))).toBe('scram-bad-server-signature');
      expect(ctx.savedKeys).toEqual([]);
    }
  });

  it('refuses a v= that is not base64', async () => {
    const { mech, ctx } = await atFinal();
    expect(await conditionOf(() => mech.onChallenge(ctx, bytes('v=*bad*')))).toBe('scram-bad-server-signature');
  });

  it('refuses a <success/> without data (null or empty)', async () => {
    const a = await atFinal();
    expect(await conditionOf(() => a.mech.onSuccess(a.ctx, null))).toBe('scram-missing-verifier');
    const b = await atFinal();
    expect(await conditionOf(() => b.mech.onSuccess(b.ctx, new Uint8Array(0)))).toBe('scram-missing-verifier');
  });

  it("reports only the token characters of the server's e= value, at most 64", async () => {
    const { mech, ctx } = await atFinal();
    const err = await mech.onChallenge(ctx, bytes('e=invalid-proof<script>\u001b[2J,x=y')).catch((e: Error) => e);
    expect(err).toMatchObject({ condition: 'scram-server-error', message: 'server error: invalid-proofscript2J' });
    const long = await atFinal();
    const err2 = await long.mech.onChallenge(long.ctx, bytes(`e=${'a'.repeat(100)}`)).catch((e: Error) => e);
    expect((err2 as Error).message).toBe(`server error: ${'a'.repeat(64)}`);
  });
});

describe('steps out of order', () => {
  it('refuses a challenge before client-first and after the signature was verified', async () => {
    const ctx = makeCtx();
    const fresh = new ScramSha1({ crypto: webCrypto });
    fresh.onStart(ctx);
    expect(await conditionOf(() => fresh.onChallenge(ctx, bytes('v=AAAA')))).toBe('unexpected-challenge');
    const { mech, ctx: c2, serverFinal } = await atFinal();
    await mech.onChallenge(c2, bytes(serverFinal));
    expect(await conditionOf(() => mech.onChallenge(c2, bytes(serverFinal)))).toBe('unexpected-challenge');
  });

  it('refuses <success/> before client-final, also on a reused instance after onStart', async () => {
    const ctx = makeCtx();
    const fresh = new ScramSha1({ crypto: webCrypto });
    fresh.onStart(ctx);
    expect(await conditionOf(() => fresh.onSuccess(ctx, null))).toBe('scram-unexpected-success');
    const { mech, ctx: c2, serverFinal } = await atFinal();
    await mech.onChallenge(c2, bytes(serverFinal));
    mech.onStart(c2);
    expect(await conditionOf(() => mech.onSuccess(c2, null))).toBe('scram-unexpected-success');
  });
});

describe('saved keys', () => {
  const server = () => scramServer({ hash: 'SHA-256', password: 'pencil' });
  const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');
  const salt = Buffer.from('server-salt-1234').toString('base64');
  const stale = async (keys: Record<string, unknown>) => {
    const ctx = makeCtx({ password: undefined, scramKeys: { mechanism: 'SCRAM-SHA-256', salt, iterations: 4096, clientKey: b64(32), serverKey: b64(32), ...keys } });
    const mech = new ScramSha256({ crypto: webCrypto });
    mech.onStart(ctx);
    const s = server();
    const clientFirst = text(await mech.clientChallenge(ctx));
    return conditionOf(() => mech.onChallenge(ctx, bytes(s.first(clientFirst))));
  };

  it('are not used for another salt, another iteration count or with a wrong key length', async () => {
    expect(await stale({ salt: Buffer.from('another-salt').toString('base64') })).toBe('scram-keys-stale');
    expect(await stale({ iterations: 8192 })).toBe('scram-keys-stale');
    expect(await stale({ clientKey: b64(20) })).toBe('scram-keys-stale');
    expect(await stale({ serverKey: b64(20) })).toBe('scram-keys-stale');
    expect(await stale({})).toBeUndefined();
  });

  it('stand in for a password that SASLprep refuses', async () => {
    const keys = { mechanism: 'SCRAM-SHA-256', salt, iterations: 4096, clientKey: b64(32), serverKey: b64(32) };
    const ctx = makeCtx({ password: 'bad\u0007password', scramKeys: keys });
    const mech = new ScramSha256({ crypto: webCrypto, nonce: () => NONCE });
    mech.onStart(ctx);
    expect(await mech.clientChallenge(ctx)).toBe(`n,,n=user,r=${NONCE}`);
  });
});
