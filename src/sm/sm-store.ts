// Stream-management state kept in sessionStorage across a page reload (option `keepalive`), one entry per service
// and account, so that the next page resumes the session instead of starting a new one. Never a credential.

/** What is kept: the resumption id, the counts, and the stanzas the server had not acknowledged, serialized. */
export interface StoredSm {
  /** The full JID the session is bound to. */
  jid: string;
  id: string;
  received: number;
  sent: number;
  acked: number;
  /** Oldest first; `null` for a stanza counted but not kept (an IQ, anything with a password). */
  unacked: (string | null)[];
}

const PREFIX = 'antistrophe.sm:';

function key(service: string, jid: string): string {
  const slash = jid.indexOf('/');
  return PREFIX + JSON.stringify([service, (slash < 0 ? jid : jid.slice(0, slash)).toLowerCase()]);
}

function storage(): Storage | undefined {
  try {
    return globalThis.sessionStorage ?? undefined;
  } catch {
    return undefined;
  }
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32;

/** The state kept for this account on this service, when there is a usable one. */
export function loadSm(service: string, jid: string): StoredSm | undefined {
  try {
    const v = JSON.parse(storage()?.getItem(key(service, jid)) ?? 'null') as Partial<StoredSm> | null;
    if (!v || typeof v.jid !== 'string' || typeof v.id !== 'string' || !v.id) return undefined;
    if (!isCount(v.received) || !isCount(v.sent) || !isCount(v.acked)) return undefined;
    if (!Array.isArray(v.unacked) || !v.unacked.every((s) => s === null || typeof s === 'string')) return undefined;
    return { jid: v.jid, id: v.id, received: v.received, sent: v.sent, acked: v.acked, unacked: v.unacked };
  } catch {
    return undefined;
  }
}

export function saveSm(service: string, state: StoredSm): void {
  try {
    storage()?.setItem(key(service, state.jid), JSON.stringify(state));
  } catch {
    // quota or privacy mode: the next page starts a new session, nothing worse
  }
}

export function clearSm(service: string, jid: string): void {
  try {
    storage()?.removeItem(key(service, jid));
  } catch {
    // see saveSm
  }
}
