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
  try {
    const v = JSON.parse(storage()?.getItem(storageKey(service)) ?? 'null') as Record<string, unknown> | null;
    if (typeof v !== 'object' || v === null) return undefined;
    const texts = ['jid', 'sid', 'domain'].every((k) => typeof v[k] === 'string' && v[k] !== '');
    const counts = ['rid', 'wait', 'hold', 'requests'].every((k) => Number.isSafeInteger(v[k]) && (v[k] as number) >= 0);
    if (!texts || !counts) return undefined;
    const { jid, sid, rid, wait, hold, requests, domain } = v as unknown as StoredBoshSession;
    return { jid, sid, rid, wait, hold, requests, domain };
  } catch {
    return undefined; // no storage, access denied, or not JSON: nothing to restore
  }
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
