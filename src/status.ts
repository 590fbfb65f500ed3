// Connection status codes, with Strophe's numbers so existing callbacks keep working.

/** Connection status codes (the same numbers as Strophe.Status). */
export const Status = {
  ERROR: 0,
  CONNECTING: 1,
  CONNFAIL: 2,
  AUTHENTICATING: 3,
  AUTHFAIL: 4,
  CONNECTED: 5,
  DISCONNECTED: 6,
  DISCONNECTING: 7,
  ATTACHED: 8,
  REDIRECT: 9,
  CONNTIMEOUT: 10,
  BINDREQUIRED: 11,
  ATTACHFAIL: 12,
  RECONNECTING: 13,
} as const;

/** One of the {@link Status} values. */
export type StatusCode = (typeof Status)[keyof typeof Status];

/** The name of a status code, e.g. `statusName(5) === 'CONNECTED'`. */
export function statusName(status: StatusCode): keyof typeof Status {
  return (Object.keys(Status) as (keyof typeof Status)[]).find((k) => Status[k] === status) ?? 'ERROR';
}
