// Sessions that survive the network, for `antistrophe/core`: XEP-0198 stream management, automatic reconnect,
// dead-connection detection and keepalive across reloads. The full `Connection` loads them on demand; core users
// opt in with `new Connection(url, { transports, mechanisms, modules: { keeper: sessionKeeper } })`.
import type { KeeperFactory } from './connection.js';
import { SessionKeeper } from './keeper/session-keeper.js';

/** The keeper factory `options.modules.keeper` takes. */
export const sessionKeeper: KeeperFactory = (host, requested) => new SessionKeeper(host, requested);

export { type KeeperHost, SessionKeeper } from './keeper/session-keeper.js';
export { DEFAULT_RECONNECT, type ReconnectPolicy, reconnectDelay, reconnectPolicy } from './reconnect/backoff.js';
export { Heartbeat } from './reconnect/heartbeat.js';
export { type ReconnectHost, Reconnector } from './reconnect/reconnector.js';
export { NS_SM, StreamManagement, type StreamManagementOptions, type StreamManagementState } from './sm/stream-management.js';
