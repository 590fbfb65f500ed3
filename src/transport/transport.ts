// The one interface every transport (WebSocket, BOSH) implements, and what it reports back.
import type { XmlElement } from '../xml/element.js';
import type { XmlParserFactory } from '../xml/parser.js';

/**
 * How a transport ended. `error` ends before or during a session with a failure (reported as `CONNFAIL`),
 * `closed` is an orderly or unexpected close (reported as `DISCONNECTED`), `redirect` asks to reconnect elsewhere.
 */
export interface TransportEnd {
  kind: 'error' | 'closed' | 'redirect';
  condition: string;
  text: string;
  /** For `redirect`: where to go. */
  uri?: string;
  /** The exception, when a defect inside the transport ended it (`internal-error`): the connection reports it. */
  defect?: unknown;
}

/** What a transport reports to its connection. */
export interface TransportSink {
  /** The server opened (or restarted) the stream; `attrs` are the `<open/>`/`<body/>` attributes. */
  streamOpened(attrs: Record<string, string>): void;
  /** A top-level element from the server. */
  element(element: XmlElement): void;
  /** The transport is finished; no more events follow. */
  ended(end: TransportEnd): void;
  /** Raw text received (debug hook). */
  rawInput(data: string): void;
  /** Stanzas the transport could not deliver and gives back (BOSH after exhausting retries). */
  undelivered?(elements: XmlElement[]): void;
  /** An existing session was taken over (BOSH attach/restore) for this full JID. */
  attached?(jid: string): void;
}

/** What BOSH needs to take over an existing session (prebind attach or restore after reload). */
export interface BoshSessionState {
  jid: string;
  sid: string;
  rid: number;
  wait?: number;
  hold?: number;
  wind?: number;
}

/** Options every transport receives. */
export interface TransportOptions {
  parser: XmlParserFactory;
  maxStanzaSize: number;
  /** Deepest element nesting accepted in a stanza (`policy-violation` beyond). */
  maxDepth?: number;
  /** `xml:lang` for the stream. */
  lang: string;
  /** WebSocket constructor to use where there is no global one (Node 20: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  /** Milliseconds to wait for the server's close after ours. */
  closeTimeout: number;
  /** Extra options a transport understands (BOSH: wait, hold, credentials, headers, ...). */
  [key: string]: unknown;
}

/** The WebSocket constructor shape used (the browser's, or `ws` in Node). */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocket;

/** A bidirectional XMPP stream over some carrier. */
export interface Transport {
  /** TLS-protected (wss/https) or to a loopback host: the conditions under which a password may be sent in the clear. */
  readonly secure: boolean;
  /** Carrier name for logs: `websocket` or `bosh`. */
  readonly kind: string;
  /** Opens the stream to `domain`. */
  open(domain: string): void;
  /** Restarts the stream after SASL success (RFC 6120 §6.4.6). */
  restart(): void;
  /** Stanzas may follow `restart()` at once, before the new stream's features (XEP-0305 pipelining). */
  readonly pipelinesRestart?: boolean;
  /** SASL succeeded and `restart()` follows once the outcome is checked: a transport that polls holds off till then. */
  restartPending?(): void;
  /** The connection bound this full JID, from the answer to its own bind request (BOSH keeps it for restore()). */
  sessionBound?(jid: string): void;
  /** Sends one top-level element. */
  send(element: XmlElement): void;
  /** Orderly close: ends the stream, waits for the server's close (bounded), then reports `ended`. `last` goes out with the close. */
  close(last?: XmlElement): void;
  /** Drops the carrier at once and reports `ended` with `closed`. */
  abort(condition: string, text: string): void;
  /**
   * Ends the stream because the server broke the protocol (RFC 6120 §4.9): sends `<stream:error>` with the
   * condition, closes, and reports `ended` with `error`.
   */
  streamError(condition: string, text: string): void;
  /** Takes over a prebound session (BOSH only). Reports `attached` or ends with an error. */
  attach?(state: BoshSessionState): void;
  /** Resumes the session kept in sessionStorage (BOSH with `keepalive`). Reports `attached` or ends with an error. */
  restore?(jid?: string): void;
}

/** A transport class: `handles(service)` tells whether a service URL is for it. */
export interface TransportClass {
  new (service: string, sink: TransportSink, options: TransportOptions): Transport;
  handles(service: string): boolean;
}

/** True for loopback hosts, where an unencrypted carrier does not leave the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Whether a service URL is protected by TLS or stays on the machine. */
export function isSecureService(service: string, secureSchemes: string[]): boolean {
  try {
    const url = new URL(service);
    return secureSchemes.includes(url.protocol) || isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

/** Origin and path of a URL: what may appear in messages (a query string could carry a token). */
export function safeUrl(service: string): string {
  try {
    const u = new URL(service);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the service URL';
  }
}
