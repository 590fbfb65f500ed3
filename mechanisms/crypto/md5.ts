// A small synchronous MD5 (RFC 1321) for DIGEST-MD5; WebCrypto has no MD5 and this is smaller than a library.

// Per-round left-rotation amounts, four per round.
const SHIFTS = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
// K[i] = floor(abs(sin(i + 1)) * 2^32), computed instead of shipped: every value lies at least 0.015 from an
// integer, so any Math.sin within a few ulps of exact yields the same constants.
const K = Array.from({ length: 64 }, (_, i) => (Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

/** The MD5 digest of `data` (16 bytes). */
export function md5(data: Uint8Array): Uint8Array {
  const len = data.length;
  const blocks = ((len + 8) >>> 6) + 1;
  const words = new Uint32Array(blocks * 16);
  for (let i = 0; i < len; i++) words[i >> 2]! |= (data[i] as number) << ((i & 3) * 8);
  words[len >> 2]! |= 0x80 << ((len & 3) * 8);
  words[blocks * 16 - 2] = len * 8;
  words[blocks * 16 - 1] = Math.floor(len / 0x20000000);
  const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  for (let b = 0; b < words.length; b += 16) {
    let [a, bb, c, d] = h as [number, number, number, number];
    for (let i = 0; i < 64; i++) {
      const r = i >> 4;
      const f = r === 0 ? (bb & c) | (~bb & d) : r === 1 ? (d & bb) | (~d & c) : r === 2 ? bb ^ c ^ d : c ^ (bb | ~d);
      const g = r === 0 ? i : r === 1 ? (5 * i + 1) & 15 : r === 2 ? (3 * i + 5) & 15 : (7 * i) & 15;
      const t = (a + f + (K[i] as number) + (words[b + g] as number)) | 0;
      const s = SHIFTS[(r << 2) | (i & 3)] as number;
      a = d;
      d = c;
      c = bb;
      bb = (bb + ((t << s) | (t >>> (32 - s)))) | 0;
    }
    h[0] = (h[0]! + a) | 0;
    h[1] = (h[1]! + bb) | 0;
    h[2] = (h[2]! + c) | 0;
    h[3] = (h[3]! + d) | 0;
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = (h[i >> 2]! >>> ((i & 3) * 8)) & 0xff;
  return out;
}
