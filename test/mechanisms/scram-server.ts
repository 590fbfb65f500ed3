// A server-side SCRAM computation on node:crypto, independent of the client code under test.
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';

const ALGO = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-512': 'sha512' } as const;
const LEN = { 'SHA-1': 20, 'SHA-256': 32, 'SHA-512': 64 } as const;

export interface ScramServerOptions {
  hash: keyof typeof ALGO;
  password: string;
  salt?: Buffer;
  iterations?: number;
  serverNonce?: string;
}

/** One SCRAM exchange as the server sees it. `first()` then `final()`; both return the server message. */
export function scramServer(o: ScramServerOptions) {
  const algo = ALGO[o.hash];
  const salt = o.salt ?? Buffer.from('server-salt-1234');
  const iterations = o.iterations ?? 4096;
  const salted = pbkdf2Sync(Buffer.from(o.password.normalize('NFKC'), 'utf8'), salt, iterations, LEN[o.hash], algo);
  const clientKey = createHmac(algo, salted).update('Client Key').digest();
  const storedKey = createHash(algo).update(clientKey).digest();
  const serverKey = createHmac(algo, salted).update('Server Key').digest();
  let clientFirstBare = '';
  let serverFirst = '';
  return {
    salt,
    iterations,
    clientKey,
    serverKey,
    first(clientFirst: string): string {
      clientFirstBare = clientFirst.replace(/^[^,]*,[^,]*,/, '');
      const cnonce = /(?:^|,)r=([^,]*)/.exec(clientFirstBare)?.[1] ?? '';
      serverFirst = `r=${cnonce}${o.serverNonce ?? 'SRVNONCE'},s=${salt.toString('base64')},i=${iterations}`;
      return serverFirst;
    },
    /** Checks the client proof; returns `v=...` or `e=invalid-proof`. */
    final(clientFinal: string): string {
      const withoutProof = clientFinal.replace(/,p=[^,]*$/, '');
      const proof = Buffer.from(/,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '', 'base64');
      const authMessage = `${clientFirstBare},${serverFirst},${withoutProof}`;
      const clientSignature = createHmac(algo, storedKey).update(authMessage).digest();
      const recovered = Buffer.from(proof.map((b, i) => b ^ (clientSignature[i] as number)));
      if (!createHash(algo).update(recovered).digest().equals(storedKey)) return 'e=invalid-proof';
      return `v=${createHmac(algo, serverKey).update(authMessage).digest('base64')}`;
    },
  };
}
