// ScramCrypto on WebCrypto (`crypto.subtle`): native speed, off the main thread for PBKDF2.
import type { ScramCrypto, ScramHash } from './scram-crypto.js';

const BITS: Readonly<Record<ScramHash, number>> = { 'SHA-1': 160, 'SHA-256': 256, 'SHA-512': 512 };

// WebCrypto wants ArrayBuffer-backed views; copying also detaches us from caller-owned buffers.
const own = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => new Uint8Array(bytes);

/** A {@link ScramCrypto} backed by the given `SubtleCrypto`. */
export function webCryptoScram(subtle: SubtleCrypto): ScramCrypto {
  return {
    async pbkdf2(hash: ScramHash, password: Uint8Array, salt: Uint8Array, iterations: number) {
      const key = await subtle.importKey('raw', own(password), 'PBKDF2', false, ['deriveBits']);
      const bits = await subtle.deriveBits({ name: 'PBKDF2', hash, salt: own(salt), iterations }, key, BITS[hash]);
      return new Uint8Array(bits);
    },
    async hmac(hash: ScramHash, key: Uint8Array, data: Uint8Array) {
      const k = await subtle.importKey('raw', own(key), { name: 'HMAC', hash }, false, ['sign']);
      return new Uint8Array(await subtle.sign('HMAC', k, own(data)));
    },
    async digest(hash: ScramHash, data: Uint8Array) {
      return new Uint8Array(await subtle.digest(hash, own(data)));
    },
  };
}
