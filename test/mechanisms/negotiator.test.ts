// The negotiator's own rules, driven with scripted mechanisms: attempt limit, fallback after an empty initial
// response, cancel() during a mechanism step, what counts as a SASL element, and how payloads are decoded.
import { describe, expect, it } from 'vitest';
import { Plain } from '../../mechanisms/plain.js';
import { NS_SASL } from '../../src/ns.js';
import { type SASLMechanismClass, SASLMechanism, type SaslContext, type SaslResponse } from '../../src/sasl/mechanism.js';
import { SaslNegotiator, type SaslOutcome } from '../../src/sasl/negotiator.js';
import { MechanismRegistry } from '../../src/sasl/registry.js';
import { XmlElement } from '../../src/xml/element.js';
import { challenge, failure, harness, makeCtx, raw, success, tick, trace, until } from './helpers.js';

interface Script {
  sendsSecret?: boolean;
  clientFirst?: boolean;
  initial?: () => SaslResponse | Promise<SaslResponse>;
  answer?: () => SaslResponse | Promise<SaslResponse>;
  onSuccess?: (data: Uint8Array | null) => void | Promise<void>;
}

/** A mechanism class named `name` that follows `s` and records what it was given. */
function scripted(name: string, s: Script = {}, seen: { challenges: Uint8Array[]; success: (Uint8Array | null)[] } = { challenges: [], success: [] }) {
  return class extends SASLMechanism {
    constructor() {
      super(name, s.clientFirst ?? true, 10);
    }
    override get sendsSecret() {
      return s.sendsSecret ?? false;
    }
    override clientChallenge(): SaslResponse | Promise<SaslResponse> {
      return s.initial ? s.initial() : 'hello';
    }
    override onChallenge(_ctx: SaslContext, c: Uint8Array) {
      seen.challenges.push(c);
      return s.answer ? s.answer() : 'answer';
    }
    override onSuccess(_ctx: SaslContext, data: Uint8Array | null) {
      seen.success.push(data);
      return s.onSuccess?.(data);
    }
  } as SASLMechanismClass;
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('attempts', () => {
  it('tries at most four mechanisms, then reports the last refusal', async () => {
    const names = ['M1', 'M2', 'M3', 'M4', 'M5'];
    const h = harness(names, { defaults: names.map((n) => scripted(n)) });
    for (let k = 1; k <= 4; k++) {
      await h.sentCount(k);
      h.neg.receive(failure('invalid-mechanism'));
    }
    const o = await h.outcome();
    expect(o).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'invalid-mechanism', hangUp: false });
    expect(trace(h.sent)).toEqual(['auth:M1', 'auth:M2', 'auth:M3', 'auth:M4']);
  });

  it('an empty initial response (=) carries no secret, so a refused secret mechanism falls through', async () => {
    const h = harness(['A', 'B'], { defaults: [scripted('A', { sendsSecret: true, initial: () => '' }), scripted('B')] });
    await h.sentCount(1);
    expect(h.sent[0]?.text()).toBe('=');
    h.neg.receive(failure('invalid-mechanism'));
    await h.sentCount(2);
    expect(trace(h.sent)).toEqual(['auth:A', 'auth:B']);
  });

  it('a client-first mechanism may send no initial response at all', async () => {
    const h = harness(['A'], { defaults: [scripted('A', { initial: () => null })] });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:A']);
    expect(h.sent[0]?.text()).toBe('');
    expect(h.outcomes).toEqual([]);
  });

  it('no <abort/> when the next mechanism breaks before its <auth/> went out', async () => {
    const h = harness(['A', 'B'], {
      defaults: [
        scripted('A'),
        scripted('B', {
          initial: () => {
            throw new Error('broken');
          },
        }),
      ],
    });
    await h.sentCount(1);
    h.neg.receive(failure('invalid-mechanism'));
    const o = await h.outcome();
    expect(o).toMatchObject({ ok: false, condition: 'mechanism-error', hangUp: true });
    expect(trace(h.sent)).toEqual(['auth:A']);
  });
});

describe('cancel()', () => {
  it('during the initial response: no <auth/> goes out', async () => {
    const d = deferred<string>();
    const h = harness(['A'], { defaults: [scripted('A', { initial: () => d.promise })] });
    await tick();
    h.neg.cancel();
    d.resolve('late');
    await tick(20);
    expect(h.sent).toEqual([]);
  });

  it('while answering a challenge: no <response/> goes out', async () => {
    const d = deferred<string>();
    const h = harness(['A'], { defaults: [scripted('A', { answer: () => d.promise })] });
    await h.sentCount(1);
    h.neg.receive(challenge('x'));
    await tick();
    h.neg.cancel();
    d.resolve('late');
    await tick(20);
    expect(trace(h.sent)).toEqual(['auth:A']);
  });

  it('while checking <success/>: no outcome is reported', async () => {
    const d = deferred<void>();
    const h = harness(['A'], { defaults: [scripted('A', { onSuccess: () => d.promise })] });
    await h.sentCount(1);
    h.neg.receive(success());
    await tick();
    h.neg.cancel();
    d.resolve();
    await tick(20);
    expect(h.outcomes).toEqual([]);
  });
});

describe('responses', () => {
  it('an empty answer is an empty <response/>; null is one too', async () => {
    const answers: SaslResponse[] = ['', null];
    const h = harness(['A'], { defaults: [scripted('A', { answer: () => answers.shift() ?? null })] });
    await h.sentCount(1);
    h.neg.receive(challenge('x'));
    h.neg.receive(challenge('y'));
    await h.sentCount(3);
    expect(h.sent.slice(1).map((e) => [e.localName, e.text()])).toEqual([
      ['response', ''],
      ['response', ''],
    ]);
    expect(h.outcomes).toEqual([]);
  });

  it('<abort/> is in the SASL namespace', async () => {
    const h = harness(['A'], {
      defaults: [
        scripted('A', {
          answer: () => {
            throw new Error('no');
          },
        }),
      ],
    });
    await h.sentCount(1);
    h.neg.receive(challenge('x'));
    await h.outcome();
    const abort = h.sent[1] as XmlElement;
    expect([abort.localName, abort.getNS(), abort.getAttribute('xmlns')]).toEqual(['abort', NS_SASL, NS_SASL]);
  });
});

describe('receive()', () => {
  it('takes only SASL elements, and of those only challenge, success and failure', async () => {
    const h = harness(['A'], { defaults: [scripted('A')] });
    await h.sentCount(1);
    expect(h.neg.receive(new XmlElement('success', { xmlns: 'jabber:client' }))).toBe(false);
    expect(h.neg.receive(raw('bogus', ''))).toBe(false);
    await tick(20);
    expect(h.outcomes).toEqual([]);
    expect(h.neg.receive(challenge('x'))).toBe(true);
    await h.sentCount(2);
  });

  it('an answer before any <auth/> fails with sasl-unexpected', async () => {
    const outcomes: SaslOutcome[] = [];
    const neg = new SaslNegotiator(new MechanismRegistry([]), makeCtx(), () => {}, (o) => outcomes.push(o));
    neg.receive(success());
    await until(() => outcomes.length > 0);
    expect(outcomes).toEqual([{ ok: false, status: 'AUTHFAIL', condition: 'sasl-unexpected', text: 'SASL: SASL answer before any <auth/>', hangUp: true }]);
  });
});

describe('payloads', () => {
  it('<success/> without data, with "=" or with whitespace around "=" gives the mechanism null', async () => {
    for (const body of ['', '=', '\n  =\n', '  ']) {
      const seen = { challenges: [] as Uint8Array[], success: [] as (Uint8Array | null)[] };
      const h = harness(['A'], { defaults: [scripted('A', {}, seen)] });
      await h.sentCount(1);
      h.neg.receive(raw('success', body));
      expect(await h.outcome()).toEqual({ ok: true, mechanism: 'A' });
      expect(seen.success).toEqual([null]);
    }
  });

  it('a challenge of exactly 64 KiB of base64 is accepted', async () => {
    const seen = { challenges: [] as Uint8Array[], success: [] as (Uint8Array | null)[] };
    const h = harness(['A'], { defaults: [scripted('A', {}, seen)] });
    await h.sentCount(1);
    h.neg.receive(raw('challenge', 'A'.repeat(64 * 1024)));
    await h.sentCount(2);
    expect(seen.challenges[0]?.length).toBe(48 * 1024);
  });

  it('a challenge to PLAIN (which expects none) fails with unexpected-challenge and an <abort/>', async () => {
    const h = harness(['PLAIN'], { defaults: [Plain] });
    await h.sentCount(1);
    h.neg.receive(challenge('more?'));
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'unexpected-challenge', text: 'PLAIN: PLAIN does not expect a challenge', hangUp: true });
    expect(trace(h.sent)).toEqual(['auth:PLAIN', 'abort']);
  });

  it('PLAIN accepts <success>=</success>', async () => {
    const h = harness(['PLAIN'], { defaults: [Plain] });
    await h.sentCount(1);
    h.neg.receive(raw('success', '='));
    expect(await h.outcome()).toEqual({ ok: true, mechanism: 'PLAIN' });
  });
});

describe('<failure/>', () => {
  const fail = async (mech: string, el: XmlElement) => {
    const h = harness([mech], { defaults: [scripted(mech, { sendsSecret: true })] });
    await h.sentCount(1);
    h.neg.receive(el);
    return h.outcome();
  };
  const failureEl = (children: XmlElement[]) => new XmlElement('failure', { xmlns: NS_SASL }, children);
  const textEl = (t: string) => new XmlElement('text', {}, [t]);

  it('takes the condition from the first non-<text/> child, not-authorized when there is none', async () => {
    expect(await fail('PLAIN', failureEl([textEl('Nope'), new XmlElement('account-disabled')]))).toEqual({
      ok: false,
      status: 'AUTHFAIL',
      condition: 'account-disabled',
      text: 'PLAIN: account-disabled (Nope)',
      hangUp: false,
    });
    expect(await fail('PLAIN', failureEl([]))).toMatchObject({ condition: 'not-authorized', text: 'PLAIN: wrong username or password' });
  });

  it('explains not-authorized and a refused EXTERNAL in words', async () => {
    expect(await fail('PLAIN', failure())).toMatchObject({ text: 'PLAIN: wrong username or password' });
    expect(await fail('EXTERNAL', failure())).toMatchObject({ text: 'EXTERNAL: client certificate not accepted' });
    expect(await fail('EXTERNAL', failure('account-disabled'))).toMatchObject({ text: 'EXTERNAL: client certificate not accepted' });
  });
});

describe('no usable mechanism', () => {
  it('is CONNFAIL without hanging up, and names the missing client certificate only when EXTERNAL is allowed but not offered', async () => {
    const h = harness(['X-UNKNOWN'], { registry: { mechanisms: ['EXTERNAL', 'PLAIN'] } });
    expect(await h.outcome()).toEqual({
      ok: false,
      status: 'CONNFAIL',
      condition: 'no-auth-mech',
      text: 'no usable mechanism: offered [X-UNKNOWN], allowed [EXTERNAL, PLAIN]; no client certificate accepted',
      hangUp: false,
    });
    const h2 = harness(['X-A', 'X-B'], { registry: { mechanisms: ['PLAIN'] } });
    expect(await h2.outcome()).toMatchObject({ text: 'no usable mechanism: offered [X-A, X-B], allowed [PLAIN]' });
  });
});

describe('registry', () => {
  const ctx = makeCtx();
  it('never selects a -PLUS variant, even a registered one', () => {
    const r = new MechanismRegistry([scripted('SCRAM-SHA-1-PLUS'), scripted('SCRAM-SHA-1')]);
    expect(r.select(['SCRAM-SHA-1-PLUS', 'SCRAM-SHA-1'], ctx).map((m) => m.name)).toEqual(['SCRAM-SHA-1']);
  });

  it('orders equal priorities by name', () => {
    const r = new MechanismRegistry([scripted('B'), scripted('C'), scripted('A')]);
    expect(r.select(['C', 'A', 'B'], ctx).map((m) => m.name)).toEqual(['A', 'B', 'C']);
    expect(r.select(['B', 'A'], ctx).map((m) => m.name)).toEqual(['A', 'B']);
  });

  it('register() adds to a whitelist in force, works without one, and unregister() removes', () => {
    const listed = new MechanismRegistry([], { mechanisms: ['A'] });
    expect(listed.register(scripted('B')).name).toBe('B');
    expect([...(listed.allowed() ?? [])]).toEqual(['A', 'B']);
    const open = new MechanismRegistry([]);
    open.register(scripted('C'));
    expect(open.select(['C'], ctx).map((m) => m.name)).toEqual(['C']);
    expect(open.unregister('C')).toBe(true);
    expect(open.select(['C'], ctx)).toEqual([]);
  });
});
