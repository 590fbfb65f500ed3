// Every XML namespace the SDK speaks, in one place.

/** Stanzas of a client stream (RFC 6120). */
export const NS_CLIENT = 'jabber:client';
/** The stream root, `<stream:features/>` and `<stream:error/>` (RFC 6120). */
export const NS_STREAMS = 'http://etherx.jabber.org/streams';
/** Stream error conditions (RFC 6120 §4.9.3). */
export const NS_STREAM_ERRORS = 'urn:ietf:params:xml:ns:xmpp-streams';
/** Stanza error conditions (RFC 6120 §8.3.3). */
export const NS_STANZAS = 'urn:ietf:params:xml:ns:xmpp-stanzas';
/** SASL (RFC 6120 §6). */
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
/** Extensible SASL profile (XEP-0388). */
export const NS_SASL2 = 'urn:xmpp:sasl:2';
/** FAST tokens (XEP-0484). */
export const NS_FAST = 'urn:xmpp:fast:0';
/** Resource binding (RFC 6120 §7). */
export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
/** The legacy session establishment (RFC 3921; optional in RFC 6121). */
export const NS_SESSION = 'urn:ietf:params:xml:ns:xmpp-session';
/** XMPP Ping (XEP-0199). */
export const NS_PING = 'urn:xmpp:ping';
/** RFC 7395 `<open/>`/`<close/>` framing. */
export const NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
/** The BOSH `<body/>` wrapper (XEP-0124). */
export const NS_HTTPBIND = 'http://jabber.org/protocol/httpbind';
/** XMPP-over-BOSH attributes (XEP-0206). */
export const NS_XBOSH = 'urn:xmpp:xbosh';
