// The BOSH sessions kept in sessionStorage (option `keepalive`), one per service and account, so that a reloaded
// page can resume them without a login.

/** What is stored: the session's identifiers and parameters, never a password or token. */
export interface StoredBoshSession {
  /** The full JID the server bound in answer to our own bind request. */
  jid: string;
  sid: string;
  /** The oldest rid whose response was not handled (restore() sends it again); the next rid when none is open. */
  rid: number;
  wait: number;
  hold: number;
  requests: number;
  domain: string;
}

const PREFIX = 'antistrophe.bosh:';

/** The sessionStorage key for one account on one service: two accounts never share one. */
export function storageKey(service: string, jid: string): string {
  return PREFIX + JSON.stringify([service, bareOf(jid)]);
}

/** The bare part of a JID, lowercased (the store is keyed per account, whatever case the server bound it in). */
function bareOf(jid: string): string {
  const slash = jid.indexOf('/');
  return (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase();
}

/** sessionStorage where there is one; some browsers throw on access (storage disabled). */
function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** Every usable session stored for this service (none when there is no storage). */
export function loadSessions(service: string): StoredBoshSession[] {
  const store = storage();
  if (!store) return [];
  // the JSON key's opening, up to the account: `["<service>",`
  const head = PREFIX + JSON.stringify([service]).slice(0, -1);
  const out: StoredBoshSession[] = [];
  try {
    for (let i = 0; i < store.length; i++) {
      const key = store.key(i);
      if (!key?.startsWith(`${head},`)) continue;
      const session = parse(store.getItem(key));
      if (session && storageKey(service, session.jid) === key) out.push(session);
    }
  } catch {
    // access denied part-way: what was read is still usable
  }
  return out;
}

function parse(text: string | null): StoredBoshSession | undefined {
  try {
    const v = JSON.parse(text ?? 'null') as Record<string, unknown> | null;
    if (typeof v !== 'object' || v === null) return undefined;
    const texts = ['jid', 'sid', 'domain'].every((k) => typeof v[k] === 'string' && v[k] !== '');
    const counts = ['rid', 'wait', 'hold', 'requests'].every((k) => Number.isSafeInteger(v[k]) && (v[k] as number) >= 0);
    if (!texts || !counts) return undefined;
    const { jid, sid, rid, wait, hold, requests, domain } = v as unknown as StoredBoshSession;
    return { jid, sid, rid, wait, hold, requests, domain };
  } catch {
    return undefined; // not JSON: nothing to restore
  }
}

/** Stores the session under its account (quota or privacy errors are ignored: restore then just finds nothing). */
export function saveSession(service: string, session: StoredBoshSession): void {
  try {
    storage()?.setItem(storageKey(service, session.jid), JSON.stringify(session));
  } catch {
    // nothing to do: the session still works, it just cannot be restored
  }
}

/** Forgets the session stored for this account on this service, and no other. */
export function clearSession(service: string, jid: string): void {
  try {
    storage()?.removeItem(storageKey(service, jid));
  } catch {
    // see saveSession
  }
}
