// The full entry point: a Connection with WebSocket and BOSH and every built-in SASL mechanism.
import { defaultMechanisms } from '../mechanisms/index.js';
import { type ConnectionDefaults, CoreConnection, type KeeperFactory } from './connection.js';
import type { ConnectionOptions } from './options.js';
import { BoshTransport } from './transport/bosh.js';
import { WebSocketTransport } from './transport/websocket.js';

/**
 * The session keeper, fetched while the first login runs: an app that never logs in, or turns stream management,
 * reconnect and the heartbeat all off, never loads it.
 */
const loadKeeper: KeeperFactory = (host, requested) => import('./sessions.js').then((m) => m.sessionKeeper(host, requested));

const DEFAULTS: ConnectionDefaults = Object.freeze({
  transports: Object.freeze([WebSocketTransport, BoshTransport]),
  mechanisms: defaultMechanisms,
  modules: Object.freeze({ keeper: loadKeeper }),
});

/**
 * An XMPP client connection with everything built in: WebSocket (`ws://`, `wss://`) and BOSH (`http://`,
 * `https://`), and the default SASL mechanisms with their priorities (EXTERNAL 60, SCRAM-SHA-512 50,
 * SCRAM-SHA-256 45, SCRAM-SHA-1 40, OAUTHBEARER 35, DIGEST-MD5 30, X-OAUTH2 25, PLAIN 20, ANONYMOUS 10).
 * For the smallest bundle, import `Connection` from `antistrophe/core` and pass only what you use.
 *
 * @example
 * const conn = new Connection('wss://chat.example/xmpp-websocket');
 * await conn.connect('alice@chat.example', 'secret');
 * conn.addHandler((m) => { console.log(m.getChildText('body')); return true; }, null, 'message', 'chat');
 * conn.send($msg({ to: 'bob@chat.example', type: 'chat' }).c('body').t('hi'));
 */
export class Connection extends CoreConnection {
  constructor(service: string, options: ConnectionOptions = {}) {
    super(service, options, DEFAULTS);
  }
}

export type { ConnectionDefaults, KeeperFactory, SessionModules, StatusCallback, TimedHandler } from './connection.js';
export { CoreConnection } from './connection.js';
export * from './public.js';
export { BoshTransport } from './transport/bosh.js';
