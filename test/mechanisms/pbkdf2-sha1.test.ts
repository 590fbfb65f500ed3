// The specialised PBKDF2-HMAC-SHA-1 of the SCRAM fallback: RFC 6070 vectors, differential against @noble/hashes,
// the RFC 5802 exchange through the fallback, argument checks and yielding to the event loop.
import { pbkdf2Sync } from 'node:crypto';
import { sha1 } from '@noble/hashes/legacy.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { pbkdf2 } from '@noble/hashes/pbkdf2.js';
import { describe, expect, it, vi } from 'vitest';
import { nobleScramCrypto } from '../../mechanisms/crypto/noble-fallback.js';
import { pbkdf2Sha1 } from '../../mechanisms/crypto/pbkdf2-sha1.js';
import { ScramSha1 } from '../../mechanisms/scram.js';
import { bytes, makeCtx, text } from './helpers.js';

// every test sees the real function; the spy only records which PBKDF2 the fallback calls
vi.mock('../../mechanisms/crypto/pbkdf2-sha1.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../mechanisms/crypto/pbkdf2-sha1.js')>();
  return { ...actual, pbkdf2Sha1: vi.fn(actual.pbkdf2Sha1) };
});

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const latin1 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

describe('pbkdf2Sha1: RFC 6070 vectors', () => {
  const cases: [string, string, number, number, string][] = [
    ['password', 'salt', 1, 20, '0c60c80f961f0e71f3a9b524af6012062fe037a6'],
    ['password', 'salt', 2, 20, 'ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957'],
    ['password', 'salt', 4096, 20, '4b007901b765489abead49d926f721d065a429c1'],
    // The RFC's output is 25 bytes (two PBKDF2 blocks); only the first block (20 bytes) is supported.
    ['passwordPASSWORDpassword', 'saltSALTsaltSALTsaltSALTsaltSALTsalt', 4096, 20, '3d2eec4fe41c849b80c8d83662c0e44a8b291a96'],
    ['pass\0word', 'sa\0lt', 4096, 16, '56fa6aa75548099dcc37d7f03425e0c3'],
  ];
  for (const [password, salt, c, dkLen, expected] of cases) {
    it(`P=${JSON.stringify(password)} S=${JSON.stringify(salt)} c=${c} dkLen=${dkLen}`, async () => {
      expect(hex(await pbkdf2Sha1(latin1(password), latin1(salt), c, dkLen))).toBe(expected);
    });
  }
});

describe('pbkdf2Sha1: differential against @noble/hashes', () => {
  // mulberry32: a small seeded PRNG so that failures reproduce.
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 0x100000000;
    };
  }
  const rand = rng(0x5c4a3);
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

  // Password lengths around the 64-byte HMAC block (65+ is hashed first); salt lengths cross the 55/56-byte padding
  // boundary of the salt || INT(1) block and span several blocks.
  const PASSWORD_LENGTHS = [0, 1, 63, 64, 65, 200];
  for (let i = 0; i < 54; i++) {
    const pLen = PASSWORD_LENGTHS[i % PASSWORD_LENGTHS.length]!;
    const sLen = i < 6 ? [0, 51, 52, 59, 60, 64][i]! : Math.floor(rand() * 140);
    const c = 1 + Math.floor(rand() * 40);
    const dkLen = i % 9 === 8 ? 1 + Math.floor(rand() * 20) : 20;
    const password = randomBytes(pLen);
    const salt = randomBytes(sLen);
    it(`#${i}: password ${pLen} B, salt ${sLen} B, c=${c}, dkLen=${dkLen}`, async () => {
      const expected = pbkdf2(sha1, password, salt, { c, dkLen });
      expect(hex(await pbkdf2Sha1(password, salt, c, dkLen))).toBe(hex(expected));
    });
  }

  it('leaves the caller’s password and salt untouched', async () => {
    const password = randomBytes(100);
    const salt = randomBytes(16);
    const [p, s] = [password.slice(), salt.slice()];
    await pbkdf2Sha1(password, salt, 3);
    expect(password).toEqual(p);
    expect(salt).toEqual(s);
  });
});

describe('pbkdf2Sha1: arguments', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects %s iterations', async (c) => {
    await expect(pbkdf2Sha1(bytes('p'), bytes('s'), c)).rejects.toBeInstanceOf(RangeError);
  });
  it.each([0, 21, 32, 2.5])('rejects dkLen %s', async (dkLen) => {
    await expect(pbkdf2Sha1(bytes('p'), bytes('s'), 1, dkLen)).rejects.toBeInstanceOf(RangeError);
  });
});

describe('pbkdf2Sha1: responsiveness', () => {
  it('yields to the event loop during a long derivation', async () => {
    let timerRan = false;
    setTimeout(() => {
      timerRan = true;
    }, 0);
    let timerRanBeforeResult = false;
    const result = await pbkdf2Sha1(bytes('pencil'), bytes('salt'), 100000).then((r) => {
      timerRanBeforeResult = timerRan;
      return r;
    });
    expect(timerRanBeforeResult).toBe(true);
    expect(hex(result)).toBe(pbkdf2Sync('pencil', 'salt', 100000, 20, 'sha1').toString('hex'));
  });
});

describe('SCRAM fallback', () => {
  it('uses pbkdf2Sha1 for SHA-1 (and only for SHA-1) and matches it', async () => {
    const pw = bytes('pässwörd');
    const salt = bytes('salty');
    const spy = vi.mocked(pbkdf2Sha1);
    spy.mockClear();
    const viaFallback = await nobleScramCrypto.pbkdf2('SHA-1', pw, salt, 4096);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalledWith(pw, salt, 4096, 20, undefined);
    expect(viaFallback).toEqual(await pbkdf2Sha1(pw, salt, 4096));
    spy.mockClear();
    expect(await nobleScramCrypto.pbkdf2('SHA-256', pw, salt, 4096)).toEqual(pbkdf2(sha256, pw, salt, { c: 4096, dkLen: 32 }));
    expect(spy).not.toHaveBeenCalled();
  });

  it('reproduces the RFC 5802 §5 SCRAM-SHA-1 example exchange', async () => {
    const mech = new ScramSha1({ crypto: nobleScramCrypto, nonce: () => 'fyko+d2lbbFgONRv9qkxdawL' });
    const ctx = makeCtx({ authcid: 'user', password: 'pencil' });
    mech.onStart(ctx);
    expect(text(await mech.clientChallenge(ctx))).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const clientFinal = text(await mech.onChallenge(ctx, bytes('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096')));
    expect(clientFinal).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(() => mech.onSuccess(ctx, bytes('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='))).not.toThrow();
  });
});
