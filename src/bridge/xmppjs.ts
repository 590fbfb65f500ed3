// Bridges to xmpp.js (@xmpp/client 0.14): run one of its SASL mechanisms in antistrophe, or one of ours in it.
import { NS_SASL, NS_SASL2 } from '../ns.js';
import { fromBase64, toBytes } from '../sasl/encoding.js';
import {
  type MaybePromise,
  SASLMechanism,
  type SASLMechanismClass,
  type SaslContext,
  SaslError,
  type SaslResponse,
  type ScramKeys,
} from '../sasl/mechanism.js';

/** Credentials as @xmpp/sasl hands them to `response()` (the connection's credentials plus server names). */
export interface XmppJsCredentials {
  username?: string | null;
  password?: string | null;
  token?: string | null;
  authzid?: string | null;
  server?: string;
  host?: string;
  realm?: string;
  serviceType?: string;
  serviceName?: string;
  /** Not an xmpp.js field: SCRAM keys from an earlier login, for mechanisms bridged with {@link toXmppJs}. */
  scramKeys?: ScramKeys;
  [key: string]: unknown;
}

/**
 * A mechanism in the `saslmechanisms` shape xmpp.js uses. Payloads are "binary strings" (one character per
 * byte, as `btoa`/`atob` treat them); `response()` and `challenge()` may return Promises (@xmpp/sasl awaits them).
 */
export interface XmppJsMechanism {
  readonly name: string;
  readonly clientFirst: boolean;
  response(creds: XmppJsCredentials): unknown;
  challenge(data: string): unknown;
  final?(data: string): unknown;
}

/** A `saslmechanisms` mechanism class: `name` and `clientFirst` live on its prototype. */
export type XmppJsMechanismClass = (new () => XmppJsMechanism) & { prototype: { name: string; clientFirst?: boolean } };

const toBinary = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
};

/** A binary string's bytes. Characters above U+00FF are refused, exactly as `btoa` in @xmpp/sasl refuses them. */
function fromBinary(s: string): Uint8Array {
  if (/[^\0-\xff]/.test(s)) throw new SaslError('xmppjs-not-binary', 'the xmpp.js mechanism returned characters above U+00FF');
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

const responseBytes = (r: unknown): SaslResponse => (typeof r === 'string' ? fromBinary(r) : r instanceof Uint8Array ? r : null);

/** Runs an xmpp.js mechanism as an antistrophe one: one instance per attempt when given a class. */
class FromXmppJs extends SASLMechanism {
  private instance: XmppJsMechanism | undefined;

  constructor(
    name: string,
    clientFirst: boolean,
    priority: number,
    private readonly create: () => XmppJsMechanism,
  ) {
    super(name, clientFirst, priority);
  }

  // Its strength and what it sends are unknown: treat it like PLAIN (TLS, or an explicit opt-in).
  override test(ctx: SaslContext): boolean {
    return ctx.secure || ctx.allowInsecurePasswords;
  }

  override onStart(): void {
    this.instance = this.create();
  }

  override async clientChallenge(ctx: SaslContext): Promise<SaslResponse> {
    return responseBytes(await this.current().response(credentialsOf(ctx)));
  }

  override async onChallenge(ctx: SaslContext, challenge: Uint8Array): Promise<SaslResponse> {
    const mech = this.current();
    await mech.challenge(toBinary(challenge));
    return responseBytes(await mech.response(credentialsOf(ctx)));
  }

  override async onSuccess(_ctx: SaslContext, data: Uint8Array | null): Promise<void> {
    const mech = this.current();
    if (data && data.length > 0 && mech.final) await mech.final(toBinary(data));
  }

  private current(): XmppJsMechanism {
    if (!this.instance) throw new SaslError('sasl-unexpected', `${this.name} was not started`);
    return this.instance;
  }
}

function credentialsOf(ctx: SaslContext): XmppJsCredentials {
  return {
    username: ctx.authcid,
    password: ctx.password ?? null,
    token: ctx.token ?? null,
    authzid: ctx.authzid ?? null,
    server: ctx.domain,
    host: ctx.domain,
    realm: ctx.domain,
    serviceType: 'xmpp',
    serviceName: ctx.domain,
  };
}

/**
 * Wraps an xmpp.js / `saslmechanisms` mechanism (its class, or an instance to reuse) as a mechanism instance for
 * `options.mechanisms`. Its credentials come from the connection (`username` is the JID's local part) and its
 * payloads travel byte for byte as @xmpp/sasl would send them (binary strings).
 *
 * @param priority Defaults to 0, below every built-in mechanism: its strength is unknown, so it is tried only when
 *   nothing built-in fits, or when it is the whitelisted choice. Pass a higher number to prefer it.
 *   It is treated as sending a secret (no fallback after it fails) and, like PLAIN, runs only over TLS unless
 *   `allowInsecurePasswords` is set.
 */
export function fromXmppJs(mech: XmppJsMechanismClass | XmppJsMechanism, priority = 0): SASLMechanism {
  const proto: { name?: unknown; clientFirst?: unknown } = typeof mech === 'function' ? mech.prototype : mech;
  if (typeof proto.name !== 'string' || proto.name === '') throw new TypeError('fromXmppJs: not a SASL mechanism (no name)');
  return new FromXmppJs(proto.name, proto.clientFirst === true, priority, () => (typeof mech === 'function' ? new mech() : mech));
}

/** Where a bridged mechanism finds out about its connection (all optional). */
export interface XmppJsEnvironment {
  /** Whether the connection is TLS (default: true; @xmpp/client keeps PLAIN off insecure connections itself). */
  secure?: () => boolean;
  /** The service URL (default `https://<domain>/`, which EXTERNAL reads as "TLS"). */
  service?: () => string;
  /** Receives SCRAM keys after a verified login. */
  onScramKeys?: (keys: ScramKeys) => void;
  /** Called when an instance starts an exchange. */
  onStart?: (mech: BridgedMechanism) => void;
}

/** An antistrophe mechanism running inside xmpp.js. */
export interface BridgedMechanism extends XmppJsMechanism {
  /** SCRAM keys after a verified login (xmpp.js's SCRAM calls this `cache`). */
  readonly scramKeys: ScramKeys | undefined;
  /** Checks the server's `<success/>` data (`null` for none); throws when the server did not prove itself. */
  checkSuccess(data: Uint8Array | null): MaybePromise<void>;
}

/**
 * Exposes one of our mechanism classes to xmpp.js's `saslmechanisms` factory, e.g.
 * `client.saslFactory.use(toXmppJs(ScramSha256))`. @xmpp/sasl 0.14 awaits `response()` and `challenge()`, so async
 * steps work. Two limits of @xmpp/sasl 0.14 (RFC 6120 SASL; XEP-0388 SASL2 has neither): it does not hand
 * `<success/>` data to the mechanism, so the server's SCRAM signature goes unchecked unless you use
 * {@link installXmppJs}; and it sends no `<auth/>` for server-first mechanisms (DIGEST-MD5).
 */
export function toXmppJs(Mechanism: SASLMechanismClass, env: XmppJsEnvironment = {}): XmppJsMechanismClass {
  const probe = new Mechanism();

  class ToXmppJs implements BridgedMechanism {
    declare readonly name: string;
    declare readonly clientFirst: boolean;
    scramKeys: ScramKeys | undefined;
    private readonly mech = new Mechanism();
    private ctx: SaslContext | undefined;
    private pending: Uint8Array | undefined;

    async response(creds: XmppJsCredentials): Promise<string> {
      if (!this.ctx) {
        const ctx = this.start(creds);
        if (this.mech.isClientFirst) return toBinary(toPayload(await this.mech.clientChallenge(ctx)));
      }
      const challenge = this.pending ?? new Uint8Array(0);
      this.pending = undefined;
      return toBinary(toPayload(await this.mech.onChallenge(this.context(), challenge)));
    }

    challenge(data: string): void {
      this.pending = fromBinary(data);
    }

    /** XEP-0388 additional data of `<success/>`: the server's proof. */
    async final(data: string): Promise<void> {
      await this.checkSuccess(fromBinary(data));
    }

    checkSuccess(data: Uint8Array | null): MaybePromise<void> {
      return this.mech.onSuccess(this.context(), data);
    }

    private start(creds: XmppJsCredentials): SaslContext {
      const domain = creds.server ?? creds.host ?? '';
      const authcid = creds.username ?? '';
      const ctx: SaslContext = {
        authcid,
        authzid: creds.authzid || undefined,
        jid: authcid ? `${authcid}@${domain}` : domain,
        domain,
        password: creds.password ?? undefined,
        token: creds.token ?? undefined,
        scramKeys: creds.scramKeys,
        secure: env.secure?.() ?? true,
        allowInsecurePasswords: false,
        service: env.service?.() ?? `https://${domain}/`,
        // xmpp.js picked this mechanism by name, which counts as whitelisting it (ANONYMOUS checks that).
        whitelisted: new Set([this.mech.name]),
        // xmpp.js runs one mechanism per exchange and has no way to give up part-way
        failedMechanisms: [],
        signal: new AbortController().signal,
        setScramKeys: (keys) => {
          this.scramKeys = keys;
          env.onScramKeys?.(keys);
        },
      };
      if (!this.mech.test(ctx)) throw new SaslError('xmppjs-unusable', `${this.mech.name} cannot run with these credentials on this connection`);
      this.ctx = ctx;
      this.mech.onStart(ctx);
      env.onStart?.(this);
      return ctx;
    }

    private context(): SaslContext {
      if (!this.ctx) throw new SaslError('sasl-unexpected', `${this.mech.name} was not started`);
      return this.ctx;
    }
  }
  Object.defineProperties(ToXmppJs.prototype, { name: { value: probe.name }, clientFirst: { value: probe.isClientFirst } });
  return ToXmppJs;
}

const toPayload = (r: SaslResponse): Uint8Array => (r === null ? new Uint8Array(0) : toBytes(r));

/** The parts of an xmpp.js (ltx) element the success check reads and rewrites. */
export interface XmppJsElement {
  name: string;
  attrs: Record<string, string>;
  children: unknown[];
  getNS(): string | undefined;
  getChild(name: string, xmlns?: string): unknown;
  text(): string;
  c(name: string, attrs?: Record<string, string>): XmppJsElement;
  t(text: string): XmppJsElement;
}

/** The parts of an @xmpp/client instance {@link installXmppJs} uses. */
export interface XmppJsClient {
  /** A `saslmechanisms` factory; `_mechs` is its ordered list of `{ name, mech }` entries. */
  saslFactory: { use(name: string, mech: XmppJsMechanismClass): unknown; _mechs?: unknown[] };
  on(event: 'element' | 'send', listener: (el: XmppJsElement) => void): unknown;
  isSecure?(): boolean;
  disconnect?(): unknown;
  options?: { service?: string };
}

export interface InstallOptions {
  /** Put the mechanism first in the factory (@xmpp/client tries mechanisms in factory order). Default true. */
  prefer?: boolean;
  /** Receives SCRAM keys after a verified login. */
  onScramKeys?: (keys: ScramKeys) => void;
}

/**
 * Registers one of our mechanisms in an @xmpp/client and makes it check the server's `<success/>`, which @xmpp/sasl
 * 0.14 would otherwise accept unchecked: a `<success/>` whose proof is missing or wrong is turned into a
 * `<failure><mutual-auth-failed/></failure>` before @xmpp/sasl sees it, so the login fails as for a wrong password
 * and nothing more is sent. (Element listeners run before @xmpp/sasl's nonza listener; rewriting the element is
 * the only hook it leaves.) A mechanism whose check is asynchronous cannot be waited for: on failure the client is
 * disconnected instead. Returns the registered class.
 */
export function installXmppJs(client: XmppJsClient, Mechanism: SASLMechanismClass, options: InstallOptions = {}): XmppJsMechanismClass {
  let active: BridgedMechanism | undefined;
  const Bridged = toXmppJs(Mechanism, {
    secure: () => client.isSecure?.() ?? false,
    service: () => client.options?.service ?? '',
    onStart: (m) => {
      active = m;
    },
    ...(options.onScramKeys && { onScramKeys: options.onScramKeys }),
  });
  client.saslFactory.use(Bridged.prototype.name, Bridged);
  const list = client.saslFactory._mechs;
  if (options.prefer !== false && Array.isArray(list)) {
    const at = list.findIndex((e) => typeof e === 'object' && e !== null && (e as { mech?: unknown }).mech === Bridged);
    if (at > 0) list.unshift(...list.splice(at, 1));
  }

  const isSasl = (ns: string | undefined) => ns === NS_SASL || ns === NS_SASL2;
  // A new exchange with another mechanism makes ours stale: its check must not judge that exchange's <success/>.
  client.on('send', (el) => {
    if ((el.name === 'auth' || el.name === 'authenticate') && isSasl(el.getNS()) && el.attrs.mechanism !== Bridged.prototype.name) {
      active = undefined;
    }
  });
  client.on('element', (el) => {
    const ns = el.getNS();
    if (!active || !isSasl(ns) || (el.name !== 'success' && el.name !== 'failure')) return;
    const mech = active;
    active = undefined;
    if (el.name === 'failure') return;
    // SASL2 hands its additional data to final() and waits for it; only a data-less success is checked here.
    if (ns === NS_SASL2 && el.getChild('additional-data')) return;
    try {
      const text = ns === NS_SASL ? el.text().trim() : '';
      const result = mech.checkSuccess(text === '' || text === '=' ? null : fromBase64(text));
      if (result instanceof Promise) result.catch(() => client.disconnect?.());
    } catch (e) {
      el.name = 'failure';
      el.children = [];
      el.c('mutual-auth-failed');
      el.c('text').t(`${mech.name}: the server did not prove it knows the credentials: ${(e as Error).message}`);
    }
  });
  return Bridged;
}
