// SASLprep (RFC 4013) for any Unicode input: loaded by ./saslprep.ts only when a string is not printable ASCII.
// It imports nothing (a module shared with the core would split the core into one more chunk).
// The range tables are RFC 3454's, packed as base-36 "gap,length" pairs to keep the lazy chunk small.

/** Unpacks "gap,length,gap,length..." (base 36) into sorted inclusive [start, end, start, end...] pairs. */
function unpack(packed: string): number[] {
  const out: number[] = [];
  const parts = packed.split(',');
  let next = 0;
  for (let i = 0; i < parts.length; i += 2) {
    const start = next + Number.parseInt(parts[i] as string, 36);
    next = start + Number.parseInt(parts[i + 1] as string, 36);
    out.push(start, next++);
  }
  return out;
}

// C.1.2, C.2.1, C.2.2, C.3, C.4, C.5, C.6, C.7, C.8 and C.9 merged.
const PROHIBITED = unpack(
  '0,v,2n,x,in,1,pn,0,1d,0,31s,0,b1,0,1kh,f,o,7,1b,4,6,5,328,b,4,0,x6n,6in,y8,v,7j,0,6x,6,15df,7,96r,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1eke,1,1,0,u,2n,1egu,2t4x',
);
// D.1: characters with bidirectional property R or AL (RandALCat).
const RAND_AL = unpack(
  '14u,0,1,0,2,0,c,q,5,4,12,0,3,0,1,p,5,a,y,2,1,2s,7,0,7,1,j,4,1,d,2,0,1,q,2b,11,b,0,4t9,0,179p,0,1,9,1,c,1,4,1,0,1,1,1,1,1,2z,x,a2,i,1r,2,1h,14,c,37,4,1,3q',
);
// D.2: characters with bidirectional property L (LCat), Unicode 3.2.
const L_CAT = unpack(
  '1t,p,6,p,1b,0,a,0,4,0,5,m,1,u,1,88,1,h,s,2l,2,8,2,6,e,1,e,4,9,0,3v,0,b,0,1,2,1,0,1,j,1,17,1,11,a,3m,7,1w,1,11,2,1,6,f,x,11,2,6,1,12,1,0,op,0,1,1g,3,3,8,3,3,0,7,9,2,c,h,1,1,7,2,1,2,l,1,6,1,0,3,3,4,2,6,1,2,1,a,0,4,1,1,2,4,b,2,6,a,5,4,1,2,l,1,6,1,1,1,1,1,1,4,2,o,3,1,0,7,9,2,2,e,0,1,6,1,0,1,2,1,l,1,6,1,1,1,4,3,3,8,0,1,1,3,0,f,0,5,9,i,1,1,7,2,1,2,l,1,6,1,1,2,3,3,1,1,0,6,1,2,1,a,0,4,1,1,2,4,a,i,0,1,5,3,2,1,3,3,1,1,0,1,1,3,1,3,2,3,7,1,2,4,1,1,1,3,2,1,2,a,0,f,b,e,2,1,7,1,2,1,m,1,9,1,4,7,3,r,1,4,9,i,1,1,7,1,2,1,m,1,9,1,4,4,0,1,4,2,1,1,1,9,1,7,0,1,1,4,9,i,1,1,7,1,2,1,m,1,f,4,2,5,2,1,2,a,0,8,1,4,9,i,1,1,h,3,n,1,8,1,0,2,6,8,2,6,7,i,2,c,1b,1,1,c,6,8,c,11,1,1,0,2,1,1,0,2,0,6,3,1,6,1,2,1,0,1,0,2,1,1,3,1,1,9,0,2,4,1,0,9,9,2,1,y,n,2,q,1,0,1,0,5,9,1,x,k,0,5,0,2,3,1e,7,1,5,2,0,1c,x,1,4,1,1,1,0,4,0,6,0,7,n,20,11,a,14,2,0,4,2h,5,1v,5,29,6,6,1,1q,1,0,1,3,2,6,1,0,1,3,2,12,1,0,1,3,2,u,1,0,1,3,2,6,1,0,1,3,2,6,1,6,1,m,1,u,1,0,1,3,2,6,1,12,1,i,6,r,z,2c,c,hh,a,p,5,28,f,c,1,3,e,h,3,1,9,h,e,c,1,2,f,1i,7,7,1,1,b,6,1,0,3,9,12,9,6,2f,8,14,11z,4b,4,2h,6,l,2,5,2,11,2,5,2,7,1,0,1,0,1,0,1,u,2,1g,1,6,1,0,3,2,1,6,3,3,2,5,4,c,5,2,1,6,h,0,2q,0,d,0,3m,0,4,0,2,9,1,0,3,4,6,0,1,0,1,0,1,3,1,2,1,6,3,2,5,4,m,z,c2,1w,q,0,7a,25,26z,2,p,8,7,4,2,4,4,2d,6,2,1,2h,1,3,5,13,4,2l,1,13,1k,18,3,z,s,r,3,1d,f,b,4,1a,1,3a,4,2q,2,u,1,52t,22,g4l,2i,wc,1gz,8mb,1ng,565,2,1m,45,6,c,4,sp,p,6,p,b,2g,3,5,2,5,2,5,2,2,mb,u,1,3,c,q,51,11,2,11,148i,6t,a,12,3,1o,3,8,g,1,7,t,4,1b,f6,2c,1,1y,1,1,2,0,2,1,2,3,1,b,1,0,1,3,1,1,1,1s,1,3,2,7,1,6,1,r,1,3,1,4,1,0,3,6,1,9d,4,81,7xy,wye,g15,f1,gvz6,1ekd,2,1ekd',
);

/** Binary search of a code point in unpacked ranges. */
function within(cp: number, ranges: number[]): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < (ranges[mid * 2] as number)) hi = mid - 1;
    else if (cp > (ranges[mid * 2 + 1] as number)) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * The full SASLprep profile, synchronously; see `saslprep` in ./saslprep.ts for the contract. Throws a plain
 * `Error` whose message names the rule broken, never the input.
 */
export function saslprepUnicode(input: string): string {
  // Mapping: non-ASCII spaces (C.1.2) to SPACE first, then "commonly mapped to nothing" (B.1) removed.
  const s = input
    .replace(/[\u00A0\u1680\u2000-\u200B\u202F\u205F\u3000]/g, ' ')
    // biome-ignore lint/suspicious/noMisleadingCharacterClass: each of these marks is removed on its own (B.1).
    .replace(/[\u00AD\u034F\u1806\u180B-\u180D\u200B-\u200D\u2060\uFE00-\uFE0F\uFEFF]/g, '')
    .normalize('NFKC');
  const cps = Array.from(s, (c) => c.codePointAt(0) as number);
  let randAl = false;
  let lCat = false;
  for (const cp of cps) {
    // The message names no character: the input may be a password.
    if (within(cp, PROHIBITED)) throw new Error('the string contains a prohibited character');
    randAl ||= within(cp, RAND_AL);
    lCat ||= within(cp, L_CAT);
  }
  // RFC 3454 §6: RandALCat text may not mix with LCat text, and must start and end with RandALCat.
  if (randAl && (lCat || !within(cps[0] as number, RAND_AL) || !within(cps[cps.length - 1] as number, RAND_AL))) {
    throw new Error('invalid bidirectional text');
  }
  return s;
}
