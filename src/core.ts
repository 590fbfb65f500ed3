// The tree-shakable core: a Connection with no transports or mechanisms until the application passes them.
export { CoreConnection as Connection, type KeeperFactory, type SessionModules, type StatusCallback, type TimedHandler } from './connection.js';
export * from './public.js';
