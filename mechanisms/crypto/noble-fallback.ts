// ScramCrypto in pure JS (@noble/hashes) for pages without `crypto.subtle`; only ever loaded with import().
import { hmac } from '@noble/hashes/hmac.js';
import { sha1 } from '@noble/hashes/legacy.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { pbkdf2Sha1 } from './pbkdf2-sha1.js';
import type { ScramCrypto, ScramHash } from './scram-crypto.js';

const HASHES = { 'SHA-1': sha1, 'SHA-256': sha256, 'SHA-512': sha512 } as const;

/**
 * A {@link ScramCrypto} that needs no WebCrypto. PBKDF2 yields to the event loop so the page stays responsive;
 * for SHA-1 it is a specialised implementation, about 3× faster than noble's generic one (first call and warm).
 */
export const nobleScramCrypto: ScramCrypto = {
  // noble's generic PBKDF2 cannot be stopped part-way: the SHA-2 variants only honour the signal before starting
  pbkdf2: async (hash: ScramHash, password: Uint8Array, salt: Uint8Array, iterations: number, signal?: AbortSignal) => {
    signal?.throwIfAborted();
    return hash === 'SHA-1'
      ? pbkdf2Sha1(password, salt, iterations, 20, signal)
      : pbkdf2Async(HASHES[hash], password, salt, { c: iterations, dkLen: HASHES[hash].outputLen });
  },
  hmac: async (hash: ScramHash, key: Uint8Array, data: Uint8Array) => hmac(HASHES[hash], key, data),
  digest: async (hash: ScramHash, data: Uint8Array) => HASHES[hash](data),
};
