// XEP-0257 (urn:xmpp:saslcert:1): list, add, disable and revoke the client certificates an account accepts
// for SASL EXTERNAL, over any connection's sendIQ (e.g. Prosody's mod_client_certs).
import { $iq, type Buildable, type Builder, type XmlElement } from '../public.js';
import { encodeCertificate } from './certificate.js';
import { CertificateManagementError, type CertificateOperation, toCertificateError } from './errors.js';

export { encodeCertificate } from './certificate.js';
export { CertificateManagementError, type CertificateOperation } from './errors.js';

/** The XEP-0257 namespace; servers that support it list it as a disco#info feature. */
export const NS_SASLCERT = 'urn:xmpp:saslcert:1';
const NS_DISCO_INFO = 'http://jabber.org/protocol/disco#info';

/**
 * What these functions need from a connection: a logged-in `Connection` (or `CoreConnection`) fits.
 * `sendIQ` resolves with the `result` IQ and rejects with an error carrying the stanza error `condition`.
 */
export interface IqSender {
  sendIQ(iq: Buildable, onResult?: undefined, onError?: undefined, timeoutMs?: number): Promise<XmlElement>;
}

/** One certificate the server accepts for the account. */
export interface ClientCertificate {
  /** The name it was added under (unique per account). */
  name: string;
  /** The certificate: base64 DER without whitespace; `''` when the server did not return it. */
  x509cert: string;
  /** Resources currently logged in with this certificate, when the server reports them. */
  users?: string[];
}

/** Options shared by every request. */
export interface CertificateRequestOptions {
  /** IQ timeout in milliseconds (default: the connection's `iqTimeout`). */
  timeoutMs?: number;
}

/** Options of {@link addCertificate}. */
export interface AddCertificateOptions extends CertificateRequestOptions {
  /** A session logged in with this certificate may not add or remove certificates (`<no-cert-management/>`). */
  noCertManagement?: boolean;
}

/**
 * Lists the certificates that can log in to the account with SASL EXTERNAL.
 * Rejects with {@link CertificateManagementError}.
 *
 * @example
 * const certs = await listCertificates(conn);
 * for (const c of certs) console.log(c.name, c.users ?? []);
 */
export async function listCertificates(conn: IqSender, options: CertificateRequestOptions = {}): Promise<ClientCertificate[]> {
  const result = await request(conn, 'list', $iq({ type: 'get' }).c('items', { xmlns: NS_SASLCERT }), options);
  const items = result.getChild('items', NS_SASLCERT);
  if (!items) throw new CertificateManagementError('list', 'unexpected-response', 'the result holds no <items/>', result);
  return items.getChildren('item', NS_SASLCERT).map(toCertificate);
}

/**
 * Adds a certificate under `name` so that it can log in with SASL EXTERNAL. `cert` is PEM text (only its
 * `CERTIFICATE` block is sent, never a private key next to it) or the DER bytes. The certificate should carry
 * the account's JID as an XEP-0178 xmppAddr (servers such as Prosody refuse it otherwise). Rejects with
 * {@link CertificateManagementError}: `bad-request` for input that is not a single certificate (before
 * anything is sent) or what the server refused.
 *
 * @example
 * await addCertificate(conn, 'laptop', pemText);
 */
export async function addCertificate(
  conn: IqSender,
  name: string,
  cert: string | Uint8Array,
  options: AddCertificateOptions = {},
): Promise<void> {
  const iq = $iq({ type: 'set' }).c('append', { xmlns: NS_SASLCERT }).c('name').t(checkName('add', name)).up();
  iq.c('x509cert').t(encodeCertificate(cert)).up();
  if (options.noCertManagement) iq.c('no-cert-management').up();
  await request(conn, 'add', iq, options);
}

/**
 * Disables the certificate named `name`: it can no longer log in; sessions already logged in with it stay.
 * Rejects with {@link CertificateManagementError}.
 */
export async function disableCertificate(conn: IqSender, name: string, options: CertificateRequestOptions = {}): Promise<void> {
  await request(conn, 'disable', $iq({ type: 'set' }).c('disable', { xmlns: NS_SASLCERT }).c('name').t(checkName('disable', name)), options);
}

/**
 * Revokes the certificate named `name`: it can no longer log in, and the server closes the sessions logged
 * in with it (e.g. a stolen device). Rejects with {@link CertificateManagementError}.
 */
export async function revokeCertificate(conn: IqSender, name: string, options: CertificateRequestOptions = {}): Promise<void> {
  await request(conn, 'revoke', $iq({ type: 'set' }).c('revoke', { xmlns: NS_SASLCERT }).c('name').t(checkName('revoke', name)), options);
}

/**
 * True when the server advertises XEP-0257 (disco#info feature `urn:xmpp:saslcert:1` on `domain`, normally the
 * connection's `domain`). A failed disco#info query counts as no support.
 */
export async function supportsCertificateManagement(conn: IqSender, domain: string, options: CertificateRequestOptions = {}): Promise<boolean> {
  try {
    const iq = $iq({ type: 'get', to: domain }).c('query', { xmlns: NS_DISCO_INFO }).tree();
    const result = await conn.sendIQ(iq, undefined, undefined, options.timeoutMs);
    const features = result.getChild('query', NS_DISCO_INFO)?.getChildren('feature') ?? [];
    return features.some((f) => f.getAttribute('var') === NS_SASLCERT);
  } catch {
    return false;
  }
}

async function request(conn: IqSender, operation: CertificateOperation, iq: Builder, options: CertificateRequestOptions): Promise<XmlElement> {
  try {
    // the element rather than the builder: it is understood even by another copy of the library
    return await conn.sendIQ(iq.tree(), undefined, undefined, options.timeoutMs);
  } catch (e) {
    throw toCertificateError(operation, e);
  }
}

function toCertificate(item: XmlElement): ClientCertificate {
  const cert: ClientCertificate = {
    name: item.getChildText('name', NS_SASLCERT) ?? '',
    x509cert: (item.getChildText('x509cert', NS_SASLCERT) ?? '').replace(/\s+/g, ''),
  };
  const users = item.getChild('users', NS_SASLCERT);
  if (users) cert.users = users.getChildren('resource', NS_SASLCERT).map((r) => r.text());
  return cert;
}

function checkName(operation: CertificateOperation, name: string): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new CertificateManagementError(operation, 'bad-request', 'the certificate name must be a non-empty string');
  }
  return name;
}
