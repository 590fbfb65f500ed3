// Small helpers shared by mechanisms: the account's identity and credential checks.
import type { SaslContext } from '../src/sasl/mechanism.js';

/** The account's bare JID (`authcid@domain`, or the domain for a domain-only JID). */
export const accountJid = (ctx: SaslContext): string => (ctx.authcid ? `${ctx.authcid}@${ctx.domain}` : ctx.domain);

/** True when the JID has no local part (`example.org`), as for anonymous logins. */
export function isDomainOnly(ctx: SaslContext): boolean {
  const slash = ctx.jid.indexOf('/');
  return ctx.authcid === '' || !(slash < 0 ? ctx.jid : ctx.jid.slice(0, slash)).includes('@');
}

/** The authorization identity to send, or `undefined` when it is the account itself. */
export const authzidToSend = (ctx: SaslContext): string | undefined =>
  ctx.authzid && ctx.authzid !== accountJid(ctx) ? ctx.authzid : undefined;

/** A secret the network could read or replay (a password in PLAIN, DIGEST-MD5's weak hash, a bearer token) goes only over TLS, a loopback host, or on request. */
export const carrierMayCarrySecret = (ctx: SaslContext): boolean => ctx.secure || ctx.allowInsecurePasswords;

/** A password may be sent in a form the network can read only where {@link carrierMayCarrySecret}. */
export const passwordMayTravel = (ctx: SaslContext): boolean => !!ctx.password && carrierMayCarrySecret(ctx);

/** A bearer token may be sent only where {@link carrierMayCarrySecret}: whoever reads it can log in with it. */
export const tokenMayTravel = (ctx: SaslContext): boolean => typeof ctx.token === 'string' && ctx.token !== '' && carrierMayCarrySecret(ctx);

/** SCRAM/GS2 `saslname` escaping: `=` as `=3D`, `,` as `=2C`. */
export const saslname = (s: string): string => s.replace(/=/g, '=3D').replace(/,/g, '=2C');
