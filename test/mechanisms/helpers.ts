// Shared test fixtures: a SaslContext builder, SASL element builders and a negotiator harness that records traffic.
import { defaultMechanisms } from '../../mechanisms/index.js';
import { fromBase64, toBase64, utf8Decode, utf8Encode } from '../../src/sasl/encoding.js';
import type { SASLMechanismClass, SaslContext, ScramKeys } from '../../src/sasl/mechanism.js';
import { NS_SASL } from '../../src/ns.js';
import { SaslNegotiator, type SaslOutcome } from '../../src/sasl/negotiator.js';
import { MechanismRegistry, type RegistryOptions } from '../../src/sasl/registry.js';
import { XmlElement } from '../../src/xml/element.js';

export interface TestContext extends SaslContext {
  /** Keys handed to setScramKeys, in order. */
  readonly savedKeys: ScramKeys[];
}

export function makeCtx(over: Partial<Omit<SaslContext, 'setScramKeys'>> = {}): TestContext {
  const savedKeys: ScramKeys[] = [];
  const authcid = over.authcid ?? 'user';
  const domain = over.domain ?? 'example.com';
  return {
    authcid,
    authzid: undefined,
    jid: authcid ? `${authcid}@${domain}` : domain,
    domain,
    password: 'pencil',
    token: undefined,
    scramKeys: undefined,
    secure: true,
    allowInsecurePasswords: false,
    service: `wss://${domain}/xmpp-websocket`,
    whitelisted: undefined,
    failedMechanisms: [],
    signal: new AbortController().signal,
    ...over,
    savedKeys,
    setScramKeys: (k: ScramKeys) => void savedKeys.push(k),
  };
}

export const bytes = (s: string): Uint8Array => utf8Encode(s);
export const text = (b: Uint8Array | string | null): string => (b === null ? '' : typeof b === 'string' ? b : utf8Decode(b));

const el = (name: string, payload?: string) =>
  new XmlElement(name, { xmlns: NS_SASL }, payload === undefined ? [] : [payload === '' ? '=' : toBase64(utf8Encode(payload))]);
/** `<challenge>` with `payload` base64-encoded. */
export const challenge = (payload: string): XmlElement => el('challenge', payload);
/** `<success>`, optionally with additional data. */
export const success = (payload?: string): XmlElement => el('success', payload);
/** `<failure>` with a condition child. */
export const failure = (condition = 'not-authorized'): XmlElement =>
  new XmlElement('failure', { xmlns: NS_SASL }, [new XmlElement(condition)]);
/** An element whose text is taken verbatim (for malformed payloads). */
export const raw = (name: string, body: string): XmlElement => new XmlElement(name, { xmlns: NS_SASL }, [body]);

/** Decoded text payload of a sent element (`''` for none or `=`). */
export function payloadOf(e: XmlElement): string {
  const t = e.text();
  return t === '' || t === '=' ? '' : utf8Decode(fromBase64(t));
}

/** A compact trace of what the client sent: `auth:NAME`, `response`, `abort`. */
export const trace = (sent: XmlElement[]): string[] =>
  sent.map((e) => (e.localName === 'auth' ? `auth:${e.getAttribute('mechanism')}` : e.localName));

export const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `cond()` holds (async crypto runs off the microtask queue). */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for the negotiator');
    await tick(1);
  }
}

export interface Harness {
  neg: SaslNegotiator;
  ctx: TestContext;
  registry: MechanismRegistry;
  sent: XmlElement[];
  outcomes: SaslOutcome[];
  /** Waits until `n` elements were sent or an outcome arrived. */
  sentCount(n: number): Promise<void>;
  /** Waits for the outcome. */
  outcome(): Promise<SaslOutcome>;
}

export function harness(
  offered: string[],
  opts: { ctx?: Partial<Omit<SaslContext, 'setScramKeys'>>; registry?: RegistryOptions; defaults?: readonly SASLMechanismClass[] } = {},
): Harness {
  const sent: XmlElement[] = [];
  const outcomes: SaslOutcome[] = [];
  const registry = new MechanismRegistry(opts.defaults ?? defaultMechanisms, opts.registry);
  const ctx = makeCtx(opts.ctx);
  const neg = new SaslNegotiator(registry, ctx, (e) => sent.push(e), (o) => outcomes.push(o));
  neg.start(offered);
  return {
    neg,
    ctx,
    registry,
    sent,
    outcomes,
    sentCount: (n) => until(() => sent.length >= n || outcomes.length > 0),
    outcome: async () => {
      await until(() => outcomes.length > 0);
      return outcomes[0] as SaslOutcome;
    },
  };
}
