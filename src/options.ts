// Everything a Connection can be configured with (options-check.ts refuses values of the wrong type).
import type { SessionModules } from './connection.js';
import type { Logger } from './log.js';
import type { ReconnectPolicy } from './reconnect/backoff.js';
import type { MechanismInput } from './sasl/registry.js';
import type { BoshTiming } from './transport/bosh-retry.js';
import type { StreamManagementOptions } from './sm/stream-management.js';
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
  /** Deepest element nesting accepted inside a stanza (default 256); deeper ends the stream with `policy-violation`. */
  maxDepth?: number;
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

  // ---- sessions that survive the network ----
  /**
   * XEP-0198 stream management: `true` (the default: used whenever the server offers it), `false`, or
   * `{ resume (true), requestEvery (5), maxUnacked (500), onUnacked }`.
   */
  streamManagement?: boolean | Partial<StreamManagementOptions>;
  /**
   * Reconnect on its own after an unexpected loss (off by default): `true` or
   * `{ initialDelay (1000), maxDelay (30000), factor (2), jitter (0.5), maxAttempts (Infinity) }` in ms.
   */
  reconnect?: boolean | Partial<ReconnectPolicy>;
  /** WebSocket: milliseconds of silence before the server is probed (default 60000; 0: never). */
  pingInterval?: number;
  /** WebSocket: milliseconds a probe may go unanswered before the connection counts as lost (default 20000). */
  pingTimeout?: number;
  /** The session parts to use with `antistrophe/core` (the full `Connection` has them all). */
  modules?: SessionModules;

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
