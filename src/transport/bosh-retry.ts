// Timing of BOSH requests: resend backoff with full jitter, timeouts, spacing; overridable for tests.

/** Timing knobs of the BOSH transport. Pass a partial object as the transport option `boshTiming`. */
export interface BoshTiming {
  /** First backoff ceiling in ms; it doubles per attempt (default 250). */
  baseDelay: number;
  /** Largest backoff ceiling in ms (default 8000). */
  maxDelay: number;
  /** Backoff ceiling in ms while creating or verifying a session, where failing fast matters (default 1000). */
  setupMaxDelay: number;
  /** Resends while creating or verifying a session (default 2, never more than `maxRetries`). */
  setupRetries: number;
  /** Seconds a request may outlive `wait` before it is given up and resent (default 10). */
  timeoutMargin: number;
  /** Least ms between the starts of two requests that may both be in flight, so they arrive in order (default 10). */
  minSpacing: number;
  /** Source of randomness in [0, 1) for jitter and the initial rid (default: the platform's CSPRNG). */
  random: () => number;
}

/** The defaults. */
export const DEFAULT_TIMING: Readonly<BoshTiming> = Object.freeze({
  baseDelay: 250,
  maxDelay: 8000,
  setupMaxDelay: 1000,
  setupRetries: 2,
  timeoutMargin: 10,
  minSpacing: 10,
  random: secureRandom,
});

/** A uniform number in [0, 1) from the platform's CSPRNG (rids should not be guessable), else `Math.random`. */
function secureRandom(): number {
  const c = globalThis.crypto;
  if (!c?.getRandomValues) return Math.random();
  return c.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;
}

/** Reads `options.boshTiming`, keeping a default for every field that is missing or of the wrong type. */
export function readTiming(value: unknown): BoshTiming {
  const t: Record<string, unknown> = { ...DEFAULT_TIMING };
  if (typeof value !== 'object' || value === null) return t as unknown as BoshTiming;
  // every known field whose value has the default's type (numbers finite and not negative)
  for (const [key, v] of Object.entries(value)) {
    const kind = typeof t[key];
    if (Object.hasOwn(DEFAULT_TIMING, key) && typeof v === kind && (kind !== 'number' || ((v as number) >= 0 && Number.isFinite(v)))) t[key] = v;
  }
  return t as unknown as BoshTiming;
}

/** Delay before resend number `attempt` (1-based): uniformly random in [0, min(cap, base·2^(attempt-1))). */
export function backoffDelay(attempt: number, base: number, cap: number, random: () => number): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.floor(random() * ceiling);
}

/** A random initial rid in [1e9, 2^32): far enough below 2^53 that a session's increments never overflow. */
export function initialRid(random: () => number): number {
  return 1_000_000_000 + Math.floor(random() * (2 ** 32 - 1_000_000_000));
}
