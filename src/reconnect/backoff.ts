// When to try again after a lost session: exponential backoff with jitter, bounded, and a bounded number of tries.

/** The `reconnect` option in full (every field has a default). */
export interface ReconnectPolicy {
  /** Milliseconds before the first attempt (default 1000). */
  initialDelay: number;
  /** The longest wait between attempts (default 30000). */
  maxDelay: number;
  /** Each wait is the previous one times this (default 2). */
  factor: number;
  /** Fraction of each wait that is random, 0…1 (default 0.5): clients cut off together do not come back together. */
  jitter: number;
  /** Attempts before giving up with DISCONNECTED (default Infinity). */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelay: 1000,
  maxDelay: 30000,
  factor: 2,
  jitter: 0.5,
  maxAttempts: Number.POSITIVE_INFINITY,
});

/** The policy for a `reconnect` option value, or `undefined` when reconnecting is off. */
export function reconnectPolicy(option: boolean | Partial<ReconnectPolicy> | undefined): ReconnectPolicy | undefined {
  if (!option) return undefined;
  return option === true ? { ...DEFAULT_RECONNECT } : { ...DEFAULT_RECONNECT, ...option };
}

/** The wait before attempt `n` (1 for the first), with `random()` in [0, 1). */
export function reconnectDelay(policy: ReconnectPolicy, n: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelay, policy.initialDelay * policy.factor ** Math.max(0, n - 1));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(base * (1 - jitter + jitter * random()));
}
