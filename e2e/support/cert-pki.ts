// Issues XEP-0178 client certificates (xmppAddr otherName) from the e2e test CA with openssl, for one test run.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IssuedCert {
  jid: string;
  certPath: string;
  keyPath: string;
  /** The certificate in PEM. */
  pem: string;
}

/** A scratch directory for certificates; `remove()` deletes it with the keys. */
export interface CertDir {
  path: string;
  issue(jid: string, name?: string): IssuedCert;
  remove(): void;
}

/**
 * A temporary directory in which {@link CertDir.issue} makes a client certificate for `jid`, signed by the
 * test CA (`caCert`/`caKey`), the same recipe as e2e/servers/start.sh: RSA 2048, clientAuth, xmppAddr.
 */
export function certDir(caCert: string, caKey: string): CertDir {
  const dir = mkdtempSync(join(tmpdir(), 'antistrophe-cert-'));
  let n = 0;
  return {
    path: dir,
    issue(jid: string, name = `client${++n}`): IssuedCert {
      const base = join(dir, name);
      const ext = `${base}.ext`;
      writeFileSync(
        ext,
        [
          'basicConstraints=CA:FALSE',
          'keyUsage=critical,digitalSignature,keyEncipherment',
          'extendedKeyUsage=clientAuth',
          // XEP-0178: subjectAltName otherName id-on-xmppAddr (1.3.6.1.5.5.7.8.5) as UTF8String
          `subjectAltName=otherName:1.3.6.1.5.5.7.8.5;UTF8:${jid}`,
          '',
        ].join('\n'),
      );
      const run = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${jid}`]);
      const serial = `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffffff).toString(16)}`;
      run(['x509', '-req', '-in', `${base}.csr`, '-CA', caCert, '-CAkey', caKey, '-set_serial', serial, '-out', `${base}.crt`, '-days', '7', '-extfile', ext]);
      return { jid, certPath: `${base}.crt`, keyPath: `${base}.key`, pem: readFileSync(`${base}.crt`, 'utf8') };
    },
    remove(): void {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Makes `home/.pki/nssdb` (where Chromium on Linux looks when `HOME=home`) holding the identity from a PKCS#12
 * file and trusting `caCert` for servers, as a user would with pk12util and certutil. Returns `home`.
 */
export function nssHome(home: string, p12: string, p12Password: string, caCert: string, caName: string): string {
  const db = `sql:${join(home, '.pki', 'nssdb')}`;
  mkdirSync(join(home, '.pki', 'nssdb'), { recursive: true });
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  run('certutil', ['-N', '-d', db, '--empty-password']);
  run('pk12util', ['-i', p12, '-d', db, '-W', p12Password]);
  run('certutil', ['-A', '-n', caName, '-t', 'C,,', '-i', caCert, '-d', db]);
  return home;
}
