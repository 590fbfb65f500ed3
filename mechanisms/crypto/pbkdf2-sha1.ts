// PBKDF2-HMAC-SHA-1 (RFC 8018 + RFC 2104 + FIPS 180-4) for the SCRAM fallback. A generic hash/HMAC stack
// (clone hash state, update, digest, per call) costs ~100 ms of JIT warm-up on a fresh page at 4096 iterations;
// here every PBKDF2 round is exactly two SHA-1 compressions of one preset 32-bit-word block, so there is
// little code to warm up and nothing allocated per round.

// The SHA-1 message schedule; w[0..15] is the block being hashed.
type Schedule = Int32Array;

const IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0];

/**
 * One SHA-1 compression of the block in `w[0..15]`, chained from `init[0..4]`; the result goes to `out[0..4]`.
 * `out` may be `init` (plain hashing) or `w` itself (the PBKDF2 rounds: the 20-byte result is the next block's
 * message): both are read before they are written.
 */
function compress(init: Int32Array, w: Schedule, out: Int32Array): void {
  for (let t = 16; t < 80; t++) {
    const x = w[t - 3]! ^ w[t - 8]! ^ w[t - 14]! ^ w[t - 16]!;
    w[t] = (x << 1) | (x >>> 31);
  }
  const h0 = init[0]!;
  const h1 = init[1]!;
  const h2 = init[2]!;
  const h3 = init[3]!;
  const h4 = init[4]!;
  let a = h0;
  let b = h1;
  let c = h2;
  let d = h3;
  let e = h4;
  let t = 0;
  // Four loops with the round function and constant fixed, instead of a branch per round.
  for (; t < 20; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (; t < 40; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  // The last two constants, 0x8f1bbcdc and 0xca62c1d6, written as int32 values so that no operand leaves the int32 range.
  for (; t < 60; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  for (; t < 80; t++) {
    const tmp = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + w[t]!) | 0;
    e = d;
    d = c;
    c = (b << 30) | (b >>> 2);
    b = a;
    a = tmp;
  }
  out[0] = (h0 + a) | 0;
  out[1] = (h1 + b) | 0;
  out[2] = (h2 + c) | 0;
  out[3] = (h3 + d) | 0;
  out[4] = (h4 + e) | 0;
}

/**
 * Continues SHA-1 from `state` over `data`, as if `prefixLen` bytes (whole blocks, already in `state`) came first,
 * and finishes with the padding. Only used a few times per call (key, salt), so it may allocate; it wipes what
 * it allocates because `data` may be the password.
 */
function finish(state: Int32Array, data: Uint8Array, prefixLen: number, w: Schedule): void {
  const len = data.length;
  const padded = new Uint8Array((((len + 8) >>> 6) + 1) << 6);
  padded.set(data);
  padded[len] = 0x80;
  const bits = (prefixLen + len) * 8;
  const n = padded.length;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  for (let i = 0; i < 4; i++) {
    padded[n - 8 + i] = hi >>> (24 - 8 * i);
    padded[n - 4 + i] = lo >>> (24 - 8 * i);
  }
  for (let off = 0; off < n; off += 64) {
    for (let i = 0; i < 16; i++) {
      const p = off + 4 * i;
      w[i] = (padded[p]! << 24) | (padded[p + 1]! << 16) | (padded[p + 2]! << 8) | padded[p + 3]!;
    }
    compress(state, w, state);
  }
  padded.fill(0);
}

/** `count` PBKDF2 rounds: `w[0..4]` holds U(i-1) and becomes U(i); `acc` collects the XOR of all U. */
function rounds(count: number, inner: Int32Array, outer: Int32Array, w: Schedule, acc: Int32Array): void {
  for (let i = 0; i < count; i++) {
    compress(inner, w, w);
    compress(outer, w, w);
    acc[0]! ^= w[0]!;
    acc[1]! ^= w[1]!;
    acc[2]! ^= w[2]!;
    acc[3]! ^= w[3]!;
    acc[4]! ^= w[4]!;
  }
}

// Rounds between clock reads, and the longest stretch (ms) of work between yields (noble's asyncTick default).
const CHUNK = 256;
const TICK_MS = 10;

/**
 * PBKDF2-HMAC-SHA-1 (RFC 8018 §5.2), i.e. SCRAM-SHA-1's `Hi()`, specialised for speed in pure JS.
 *
 * Only the first output block is computed, so `dkLen` is at most 20 bytes (SHA-1's output, all SCRAM needs).
 * Passwords longer than 64 bytes are hashed first (RFC 2104); salts may have any length. Yields to the event
 * loop (`setTimeout(0)`) after about every 10 ms of work so that a page stays responsive on high iteration
 * counts. Buffers it allocates are zeroed before it returns; `password` and `salt` are left untouched.
 *
 * @param password - the (SASLprepped, UTF-8) password bytes
 * @param salt - the salt bytes
 * @param iterations - iteration count, an integer ≥ 1
 * @param dkLen - output length in bytes, 1 to 20 (default 20)
 * @param signal - stops the work at the next yield (the promise then rejects with the signal's reason)
 * @returns the derived key, `dkLen` bytes
 * @throws RangeError (as a rejected promise) for a bad `iterations` or `dkLen`
 */
export async function pbkdf2Sha1(password: Uint8Array, salt: Uint8Array, iterations: number, dkLen = 20, signal?: AbortSignal): Promise<Uint8Array> {
  if (!Number.isSafeInteger(iterations) || iterations < 1 || !Number.isInteger(dkLen) || dkLen < 1 || dkLen > 20) {
    throw new RangeError('pbkdf2Sha1: iterations or dkLen');
  }
  const w: Schedule = new Int32Array(80);
  const inner = new Int32Array(5);
  const outer = new Int32Array(5);
  const acc = new Int32Array(5);
  const key = new Uint8Array(64);
  const msg = new Uint8Array(salt.length + 4);
  try {
    // RFC 2104: a key longer than the block is replaced by its hash; shorter keys are zero-padded.
    if (password.length > 64) {
      const hashed = Int32Array.from(IV);
      finish(hashed, password, 0, w);
      for (let i = 0; i < 20; i++) key[i] = hashed[i >> 2]! >>> (24 - 8 * (i & 3));
      hashed.fill(0);
    } else {
      key.set(password);
    }
    // The HMAC midstates: SHA-1 state after the 64-byte (key ^ ipad) and (key ^ opad) blocks, computed once.
    for (const [state, pad] of [
      [inner, 0x36363636],
      [outer, 0x5c5c5c5c],
    ] as const) {
      state.set(IV);
      for (let i = 0; i < 16; i++) w[i] = ((key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!) ^ pad;
      compress(state, w, state);
    }

    // U1 = HMAC(P, S || INT(1)): the inner hash over the salt goes through the general path...
    msg.set(salt);
    msg[salt.length + 3] = 1;
    acc.set(inner);
    finish(acc, msg, 64, w);
    // ...and from here on every message (inner and outer) is one 64-byte pad block plus 20 bytes, so the second
    // block is always w[0..4] = the 20 bytes, then the fixed padding: 0x80, zeros, the length 84 * 8 bits.
    w.set(acc);
    w.fill(0, 5, 16);
    w[5] = 0x80000000 | 0;
    w[15] = (64 + 20) * 8;
    compress(outer, w, w);
    acc.set(w.subarray(0, 5));

    let left = iterations - 1;
    let start = Date.now();
    while (left > 0) {
      const n = Math.min(left, CHUNK);
      rounds(n, inner, outer, w, acc);
      left -= n;
      // Date.now() can go backwards; yield then too rather than never.
      const spent = Date.now() - start;
      if (left > 0 && (spent >= TICK_MS || spent < 0)) {
        await new Promise<void>((resolve) => setTimeout(resolve, 0));
        signal?.throwIfAborted();
        start = Date.now();
      }
    }

    const out = new Uint8Array(dkLen);
    for (let i = 0; i < dkLen; i++) out[i] = acc[i >> 2]! >>> (24 - 8 * (i & 3));
    return out;
  } finally {
    // Key hygiene: the pad states and U values are password-equivalent; wipe every buffer we own.
    // (Best effort: the JS engine may still hold copies in registers or freed memory.)
    w.fill(0);
    inner.fill(0);
    outer.fill(0);
    acc.fill(0);
    key.fill(0);
    msg.fill(0);
  }
}
