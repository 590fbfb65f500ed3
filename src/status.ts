// Connection status codes, with Strophe's numbers so existing callbacks keep working.

// One constant per code, for the SDK's own use: esbuild inlines these numbers, not a property of Status.
export const ERROR = 0;
export const CONNECTING = 1;
export const CONNFAIL = 2;
export const AUTHENTICATING = 3;
export const AUTHFAIL = 4;
export const CONNECTED = 5;
export const DISCONNECTED = 6;
export const DISCONNECTING = 7;
export const ATTACHED = 8;
export const REDIRECT = 9;
export const CONNTIMEOUT = 10;
export const BINDREQUIRED = 11;
export const ATTACHFAIL = 12;
export const RECONNECTING = 13;

/** Connection status codes (the same numbers as Strophe.Status). */
export const Status = {
  ERROR,
  CONNECTING,
  CONNFAIL,
  AUTHENTICATING,
  AUTHFAIL,
  CONNECTED,
  DISCONNECTED,
  DISCONNECTING,
  ATTACHED,
  REDIRECT,
  CONNTIMEOUT,
  BINDREQUIRED,
  ATTACHFAIL,
  RECONNECTING,
} as const;

/** One of the {@link Status} values. */
export type StatusCode = (typeof Status)[keyof typeof Status];

/** The name of a status code, e.g. `statusName(5) === 'CONNECTED'`. */
export function statusName(status: StatusCode): keyof typeof Status {
  return (Object.keys(Status) as (keyof typeof Status)[]).find((k) => Status[k] === status) ?? 'ERROR';
}
