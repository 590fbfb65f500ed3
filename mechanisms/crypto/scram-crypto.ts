// The hash primitives SCRAM needs, behind one interface, and the choice between WebCrypto and the fallback.
import { webCryptoScram } from './webcrypto.js';

/** Hash functions SCRAM is defined for here. */
export type ScramHash = 'SHA-1' | 'SHA-256' | 'SHA-512';

/** Output length in bytes of each {@link ScramHash}. */
export const HASH_LENGTH: Readonly<Record<ScramHash, number>> = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-512': 64 };

/** PBKDF2, HMAC and a plain digest: everything SCRAM computes. Every call may be async. */
export interface ScramCrypto {
  /**
   * PBKDF2-HMAC (`Hi()` of RFC 5802), producing one hash length of output. `signal` asks long work to stop early
   * (the attempt was given up); an implementation that cannot stop may ignore it.
   */
  pbkdf2(hash: ScramHash, password: Uint8Array, salt: Uint8Array, iterations: number, signal?: AbortSignal): Promise<Uint8Array>;
  hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array): Promise<Uint8Array>;
  digest(hash: ScramHash, data: Uint8Array): Promise<Uint8Array>;
}

/**
 * WebCrypto when the page has it; otherwise (an insecure browsing context has no `crypto.subtle`) the pure-JS
 * fallback, loaded on demand so that secure pages never download it.
 */
export async function loadScramCrypto(): Promise<ScramCrypto> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) return webCryptoScram(subtle);
  return (await import('./noble-fallback.js')).nobleScramCrypto;
}
