// The BOSH session kept in sessionStorage (option `keepalive`) so a reloaded page can resume it without a login.

/** What is stored: the session's identifiers and parameters, never a password or token. */
export interface StoredBoshSession {
  /** The full bound JID. */
  jid: string;
  sid: string;
  /** The oldest rid whose response was not handled (restore() sends it again); the next rid when none is open. */
  rid: number;
  wait: number;
  hold: number;
  requests: number;
  domain: string;
}

/** The sessionStorage key for a service URL. */
export function storageKey(service: string): string {
  return `antistrophe.bosh:${service}`;
}

/** sessionStorage where there is one; some browsers throw on access (storage disabled). */
function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** The stored session for this service, or `undefined` when there is none or it is unusable. */
export function loadSession(service: string): StoredBoshSession | undefined {
  let raw: string | null | undefined;
  try {
    raw = storage()?.getItem(storageKey(service));
  } catch {
    return undefined;
  }
  if (!raw) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  const int = (k: string) => (typeof o[k] === 'number' && Number.isSafeInteger(o[k]) && (o[k] as number) >= 0 ? (o[k] as number) : undefined);
  const jid = str('jid');
  const sid = str('sid');
  const domain = str('domain');
  const rid = int('rid');
  const wait = int('wait');
  const hold = int('hold');
  const requests = int('requests');
  if (!jid || !sid || !domain || rid === undefined || wait === undefined || hold === undefined || requests === undefined) return undefined;
  return { jid, sid, rid, wait, hold, requests, domain };
}

/** Stores the session (quota or privacy errors are ignored: restore then just finds nothing). */
export function saveSession(service: string, session: StoredBoshSession): void {
  try {
    storage()?.setItem(storageKey(service), JSON.stringify(session));
  } catch {
    // nothing to do: the session still works, it just cannot be restored
  }
}

/** Forgets the stored session. */
export function clearSession(service: string): void {
  try {
    storage()?.removeItem(storageKey(service));
  } catch {
    // see saveSession
  }
}
