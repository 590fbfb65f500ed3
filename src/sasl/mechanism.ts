// The public, typed SASL mechanism shape that built-in and application mechanisms extend.

/** Credentials given to `connect()` as its second argument (a string is a password). */
export interface Credentials {
  password?: string;
  /** OAuth 2 bearer token for OAUTHBEARER / X-OAUTH2. */
  token?: string;
  /** SCRAM keys from a previous login (`conn.scramKeys`): lets SCRAM skip PBKDF2 and the password. */
  scramKeys?: ScramKeys;
  /** Authorization identity: only to act for another account (sent only when it differs from the JID's bare form). */
  authzid?: string;
}

/** Derived SCRAM keys, safe to keep instead of the password (they still grant login: store them like a secret). */
export interface ScramKeys {
  mechanism: string;
  /** Base64 salt, as the server sent it. */
  salt: string;
  iterations: number;
  /** Base64 ClientKey. */
  clientKey: string;
  /** Base64 ServerKey. */
  serverKey: string;
}

/** The narrow view of a connection that a mechanism sees while authenticating. */
export interface SaslContext {
  /** Authentication identity: the local part of the JID (`''` for a domain-only JID). */
  readonly authcid: string;
  /** Authorization identity, only when the application set one that differs from the account. */
  readonly authzid: string | undefined;
  /** The JID passed to `connect()`. */
  readonly jid: string;
  readonly domain: string;
  readonly password: string | undefined;
  readonly token: string | undefined;
  readonly scramKeys: ScramKeys | undefined;
  /** True on TLS (wss/https) or a loopback host. */
  readonly secure: boolean;
  /** True when `allowInsecurePasswords` was set. */
  readonly allowInsecurePasswords: boolean;
  /** Service URL (OAUTHBEARER takes host and port from it). */
  readonly service: string;
  /** Names the application whitelisted explicitly (`options.mechanisms`), if any. */
  readonly whitelisted: ReadonlySet<string> | undefined;
  /** Mechanisms that already failed in this exchange, in order (ANONYMOUS is no fallback after EXTERNAL, say). */
  readonly failedMechanisms: readonly string[];
  /** Aborted when the attempt ends (timeout, disconnect()): long work such as PBKDF2 should stop then. */
  readonly signal: AbortSignal;
  /** Mechanisms hand results back here (e.g. SCRAM's derived keys). */
  setScramKeys(keys: ScramKeys): void;
}

/** What a step may answer: text (sent as UTF-8), raw bytes, or `null` for no data. */
export type SaslResponse = string | Uint8Array | null;
/** A value or a Promise of it: every mechanism step may be async. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A SASL mechanism. Extend it, give it a name, whether it is client-first and a default priority,
 * and override the steps it needs. Any step may return a Promise; a step that throws aborts the
 * exchange and reports `AUTHFAIL` with the error's message (a {@link SaslError} also sets the condition).
 *
 * @example
 * class Token extends SASLMechanism {
 *   constructor() { super('X-TOKEN', true, 70); }
 *   override test(ctx: SaslContext) { return ctx.token !== undefined; }
 *   override clientChallenge(ctx: SaslContext) { return `\0${ctx.authcid}\0${ctx.token}`; }
 * }
 */
export abstract class SASLMechanism {
  /**
   * @param name The IANA mechanism name, as offered in `<mechanism/>`.
   * @param isClientFirst Whether `clientChallenge()` runs and its result goes in `<auth/>` (an initial response).
   * @param priority Higher is tried first.
   */
  constructor(
    readonly name: string,
    readonly isClientFirst: boolean,
    public priority: number,
  ) {}

  /** Whether this mechanism can run with these credentials on this connection. */
  test(_ctx: SaslContext): boolean {
    return true;
  }

  /** Called before the exchange starts (reset per-attempt state here). */
  onStart(_ctx: SaslContext): void {}

  /** The initial response (client-first mechanisms). `''` is sent as `=` (an empty response). */
  clientChallenge(_ctx: SaslContext): MaybePromise<SaslResponse> {
    return null;
  }

  /** Answers a server challenge. */
  onChallenge(_ctx: SaslContext, _challenge: Uint8Array): MaybePromise<SaslResponse> {
    throw new SaslError('unexpected-challenge', `${this.name} does not expect a challenge`);
  }

  /**
   * Called with the additional data of `<success/>` (or `null`). Throw (or reject) when the server did
   * not prove itself: the login fails with `AUTHFAIL` `mutual-auth-failed`.
   */
  onSuccess(_ctx: SaslContext, _data: Uint8Array | null): MaybePromise<void> {}

  /** Called when the server answered `<failure/>`. */
  onFailure(_ctx: SaslContext, _condition: string): void {}

  /**
   * True when the mechanism sends a secret (password, password-derived proof, token): once anything derived from
   * it went out, a failure ends the login, so a secret never goes out again through another mechanism. Only
   * mechanisms that send no secret (EXTERNAL, ANONYMOUS) return false.
   */
  get sendsSecret(): boolean {
    return true;
  }

  /**
   * How many of this mechanism's first messages with data (the initial response counts as one) carry nothing
   * derived from the secret. A refusal that comes before any secret went out may fall through to the next
   * mechanism. SCRAM: 1 (its client-first message holds the name and a nonce); PLAIN, tokens: 0 (the default).
   */
  get secretFreeResponses(): number {
    return 0;
  }
}

/** A mechanism class with a no-argument constructor, as passed in `options.mechanisms`. */
export type SASLMechanismClass = new () => SASLMechanism;

/** A failure inside a mechanism, with a machine-readable condition (e.g. `scram-nonce-mismatch`). */
export class SaslError extends Error {
  override readonly name = 'SaslError';
  constructor(
    readonly condition: string,
    message: string,
  ) {
    super(message);
  }
}
