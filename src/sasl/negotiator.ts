// Runs one SASL exchange (RFC 6120 §6): picks candidates from the registry, drives each mechanism's
// async steps, falls back only where no secret can leak, and reports one outcome.
import { NS_SASL } from '../ns.js';
import { XmlElement } from '../xml/element.js';
import { fromBase64, toBase64, toBytes } from './encoding.js';
import { type SASLMechanism, type SaslContext, SaslError } from './mechanism.js';
import type { MechanismRegistry } from './registry.js';

/** The outcome of a SASL exchange. */
export type SaslOutcome =
  | { ok: true; mechanism: string }
  /** `hangUp`: drop the carrier without another byte (the server failed to prove itself, or a mechanism broke). */
  | { ok: false; status: 'AUTHFAIL' | 'CONNFAIL'; condition: string; text: string; hangUp: boolean };

/**
 * Refusals of a mechanism rather than of the account. Only these let a secret-using mechanism that was refused
 * before its secret went out fall through to the next one; a verdict on the account (`not-authorized`,
 * `account-disabled`, ...) would not change with another mechanism.
 */
const MECHANISM_REFUSALS = new Set(['invalid-mechanism', 'mechanism-too-weak', 'encryption-required', 'malformed-request', 'incorrect-encoding']);
/** Largest challenge accepted, in base64 characters. */
const MAX_CHALLENGE = 64 * 1024;
const MAX_ATTEMPTS = 4;

export class SaslNegotiator {
  #candidates: SASLMechanism[] = [];
  #current: SASLMechanism | undefined;
  /** Messages with data the current mechanism sent (the initial response counts). */
  #responses = 0;
  #attempts = 0;
  #done = false;
  readonly #failed: string[] = [];
  readonly #abort = new AbortController();
  /** True between sending `<auth/>` and the server's outcome: only then is there an exchange to `<abort/>`. */
  #exchanging = false;
  #queue: Promise<void> = Promise.resolve();

  readonly #registry: MechanismRegistry;
  readonly #ctx: SaslContext;
  readonly #send: (el: XmlElement) => void;
  readonly #finish: (outcome: SaslOutcome) => void;

  /** `ctx`'s `failedMechanisms` and `signal` are the negotiator's own: whatever the caller put there is replaced. */
  constructor(
    registry: MechanismRegistry,
    ctx: Omit<SaslContext, 'failedMechanisms' | 'signal'>,
    send: (el: XmlElement) => void,
    finish: (outcome: SaslOutcome) => void,
  ) {
    this.#registry = registry;
    this.#ctx = { ...ctx, failedMechanisms: this.#failed, signal: this.#abort.signal };
    this.#send = send;
    this.#finish = finish;
  }

  /** Starts with the names the server offered in `<mechanisms/>`. */
  start(offered: string[]): void {
    this.#candidates = this.#registry.select(offered, this.#ctx);
    if (this.#candidates.length === 0) {
      const allowed = this.#registry.allowed() ?? new Set(this.#registry.names());
      return this.#end({
        ok: false,
        status: 'CONNFAIL',
        condition: 'no-auth-mech',
        // why a mechanism cannot run (credentials, insecure transport) is in the README's error table
        text: `no usable mechanism: offered [${offered.join(', ')}], allowed [${[...allowed].join(', ')}]${allowed.has('EXTERNAL') && !offered.includes('EXTERNAL') ? '; no client certificate accepted' : ''}`,
        hangUp: false,
      });
    }
    this.#step(() => this.#next());
  }

  /** Feeds a top-level element; returns true when it belonged to SASL. */
  receive(el: XmlElement): boolean {
    if (el.getNS() !== NS_SASL || this.#done) return false;
    const name = el.localName;
    if (name === 'challenge') this.#step(() => this.#onChallenge(el));
    else if (name === 'success') this.#step(() => this.#onSuccess(el));
    else if (name === 'failure') this.#step(() => this.#onFailure(el));
    else return false;
    return true;
  }

  /** Stops without reporting (the connection went away); long work in a mechanism (PBKDF2) is told to stop. */
  cancel(): void {
    this.#done = true;
    this.#abort.abort();
  }

  #step(fn: () => Promise<void> | void): void {
    // Steps queued before the outcome must not run after it (e.g. a <failure/> queued behind a broken challenge
    // would otherwise still run onFailure and the next mechanism's onStart/clientChallenge).
    this.#queue = this.#queue.then(() => (this.#done ? undefined : fn())).catch((e: unknown) => this.#broken(e));
  }

  async #next(): Promise<void> {
    const mech = this.#candidates.shift();
    this.#attempts++;
    if (!mech || this.#attempts > MAX_ATTEMPTS) return;
    this.#current = mech;
    this.#responses = 0;
    mech.onStart(this.#ctx);
    const auth = new XmlElement('auth', { xmlns: NS_SASL, mechanism: mech.name });
    if (mech.isClientFirst) {
      const initial = await mech.clientChallenge(this.#ctx);
      if (this.#done) return;
      if (initial !== null) this.#appendResponse(auth, initial);
    }
    this.#exchanging = true;
    this.#send(auth);
  }

  /** Puts a response in `el`, counting it when it carries data (only data can carry a secret). */
  #appendResponse(el: XmlElement, response: string | Uint8Array): void {
    const encoded = encodeResponse(response);
    el.append(encoded);
    if (encoded !== '=') this.#responses++;
  }

  async #onChallenge(el: XmlElement): Promise<void> {
    const mech = this.#expectCurrent();
    const data = decodePayload(el);
    const answer = await mech.onChallenge(this.#ctx, data ?? new Uint8Array(0));
    if (this.#done) return;
    const response = new XmlElement('response', { xmlns: NS_SASL });
    if (answer !== null && toBytes(answer).length > 0) this.#appendResponse(response, answer);
    this.#send(response);
  }

  async #onSuccess(el: XmlElement): Promise<void> {
    const mech = this.#expectCurrent();
    this.#exchanging = false;
    let data: Uint8Array | null;
    try {
      data = decodePayload(el);
      await mech.onSuccess(this.#ctx, data);
    } catch (e) {
      return this.#end({
        ok: false,
        status: 'AUTHFAIL',
        condition: 'mutual-auth-failed',
        text: `${mech.name}: ${(e as Error).message}`,
        hangUp: true,
      });
    }
    this.#end({ ok: true, mechanism: mech.name });
  }

  async #onFailure(el: XmlElement): Promise<void> {
    const mech = this.#expectCurrent();
    this.#exchanging = false;
    const condition = el.getChildren().find((c) => c.localName !== 'text')?.localName ?? 'not-authorized';
    const serverText = el.getChildText('text');
    mech.onFailure(this.#ctx, condition);
    this.#failed.push(mech.name);
    // what may still run is decided again: a failure can rule a candidate out (ANONYMOUS after EXTERNAL)
    this.#candidates = this.#candidates.filter((m) => m.test(this.#ctx));
    if (this.#mayFallBack(mech, condition) && this.#candidates.length > 0 && this.#attempts < MAX_ATTEMPTS) return this.#next();
    this.#end({
      ok: false,
      status: 'AUTHFAIL',
      condition,
      text: describeFailure(mech.name, condition, serverText),
      hangUp: false,
    });
  }

  /**
   * Whether the next mechanism may be tried after `mech` failed with `condition`. Never once anything derived
   * from the secret went out: the secret is not offered again, to a weaker mechanism or to the same server twice.
   */
  #mayFallBack(mech: SASLMechanism, condition: string): boolean {
    if (!mech.sendsSecret) return true;
    const secretSent = this.#responses > mech.secretFreeResponses;
    return !secretSent && MECHANISM_REFUSALS.has(condition);
  }

  #expectCurrent(): SASLMechanism {
    if (!this.#current) throw new SaslError('sasl-unexpected', 'SASL answer before any <auth/>');
    return this.#current;
  }

  /** A mechanism or a payload failed on our side: abort the exchange and fail without fallback. */
  #broken(e: unknown): void {
    if (this.#done) return;
    const err = e instanceof SaslError ? e : undefined;
    if (this.#exchanging) this.#send(new XmlElement('abort', { xmlns: NS_SASL }));
    this.#end({
      ok: false,
      status: 'AUTHFAIL',
      condition: err?.condition ?? 'mechanism-error',
      text: `${this.#current?.name ?? 'SASL'}: ${(e as Error)?.message ?? String(e)}`,
      hangUp: true,
    });
  }

  #end(outcome: SaslOutcome): void {
    if (this.#done) return;
    this.#done = true;
    this.#finish(outcome);
  }
}

function encodeResponse(r: string | Uint8Array): string {
  const bytes = toBytes(r);
  return bytes.length === 0 ? '=' : toBase64(bytes);
}

function decodePayload(el: XmlElement): Uint8Array | null {
  const text = el.text().trim();
  if (text === '' || text === '=') return null;
  if (text.length > MAX_CHALLENGE) throw new SaslError('sasl-challenge-too-large', `server payload of ${text.length} characters`);
  try {
    return fromBase64(text);
  } catch {
    throw new SaslError('sasl-bad-base64', 'bad base64');
  }
}

function describeFailure(mechanism: string, condition: string, serverText: string | undefined): string {
  const why =
    mechanism === 'EXTERNAL'
      ? 'client certificate not accepted'
      : condition === 'not-authorized'
        ? 'wrong username or password'
        : condition;
  return `${mechanism}: ${why}${serverText ? ` (${serverText})` : ''}`;
}
