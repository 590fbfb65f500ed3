// Everything a Connection can be configured with.
import type { Logger } from './log.js';
import type { MechanismInput } from './sasl/registry.js';
import type { BoshTiming } from './transport/bosh-retry.js';
import type { TransportClass, WebSocketConstructor } from './transport/transport.js';
import type { XmlElement } from './xml/element.js';
import type { XmlParserFactory } from './xml/parser.js';

export interface ConnectionOptions {
  /** Whitelist: names of registered mechanisms and/or mechanism classes/instances (registered and whitelisted). */
  mechanisms?: readonly MechanismInput[];
  /** Priority overrides by mechanism name. */
  mechanismPriorities?: Readonly<Record<string, number>>;
  /** Let PLAIN and DIGEST-MD5 run over an unencrypted, non-loopback carrier. Off by default. */
  allowInsecurePasswords?: boolean;

  /** XML parser backend (default: the built-in strict streaming parser). */
  parser?: XmlParserFactory;
  /** Largest stanza accepted from the server, in characters (default 1 MiB); larger ends the stream with `policy-violation`. */
  maxStanzaSize?: number;
  /** Transports to choose from by service URL (default: WebSocket and BOSH). */
  transports?: readonly TransportClass[];
  /** WebSocket constructor where there is no global one (Node 20: `import WebSocket from 'ws'`). */
  WebSocket?: WebSocketConstructor;
  /** `xml:lang` of the stream (default `en`). */
  lang?: string;

  /** Milliseconds from connect() to CONNECTED before giving up with CONNTIMEOUT (default 30000). */
  connectTimeout?: number;
  /** Milliseconds to wait for the server's close after disconnect() (default 3000). */
  disconnectTimeout?: number;
  /** Default sendIQ timeout in milliseconds (default 60000). */
  iqTimeout?: number;
  /** Stop at BINDREQUIRED and let the application call `bind()`. */
  explicitResourceBinding?: boolean;
  /**
   * Send the resource-binding request right behind the stream restart after SASL, without waiting for the new
   * stream's features (XEP-0305 pipelining): one round trip less per login. WebSocket only (default true);
   * `false` waits for the features first, for a server that would not read stanzas before sending them.
   */
  pipelining?: boolean;

  /** Structured logger; never receives passwords or tokens. */
  logger?: Logger;
  /** Called when an application handler throws (default: the logger's `error`, else `console.error`). */
  onError?: (error: unknown, where: string) => void;

  // ---- BOSH (XEP-0124/0206) ----
  /** BOSH `wait` in seconds (default 60). */
  wait?: number;
  /** BOSH `hold` (default 1). */
  hold?: number;
  /** BOSH: resend attempts for a failed request, same rid and payload (default 5). */
  maxRetries?: number;
  /** BOSH: send cookies and client certificates cross-origin (`fetch` credentials `include`). */
  withCredentials?: boolean;
  /** BOSH: explicit `fetch` credentials mode (overrides `withCredentials`). */
  credentials?: RequestCredentials;
  /** BOSH: extra HTTP headers on every request. */
  headers?: Record<string, string>;
  /** BOSH: keep the session (never a password or token) in sessionStorage so `restore()` can resume it after a reload; pagehide then keeps the session instead of ending it. */
  keepalive?: boolean;
  /** BOSH: `route` attribute for session creation (`xmpp:host:port`). */
  route?: string;
  /** BOSH: the fetch to use instead of the global one (tests, instrumentation, a polyfill). */
  fetch?: typeof fetch;
  /** BOSH: timing knobs (resend backoff, request timeout margin, request spacing, randomness), mainly for tests. */
  boshTiming?: Partial<BoshTiming>;
  /** Stanzas that could not be delivered (BOSH after exhausting retries) are handed back here. */
  onUndelivered?: (stanzas: XmlElement[]) => void;
}
