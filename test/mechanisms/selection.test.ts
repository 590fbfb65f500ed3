// Mechanism selection and fallback through MechanismRegistry + SaslNegotiator.
import { describe, expect, it } from 'vitest';
import { defaultMechanisms } from '../../mechanisms/index.js';
import { type SaslContext, SASLMechanism } from '../../src/sasl/mechanism.js';
import { challenge, failure, harness, payloadOf, success, tick, trace } from './helpers.js';
import { scramServer } from './scram-server.js';

class Custom extends SASLMechanism {
  constructor() {
    super('X-CUSTOM', true, 99);
  }
  override clientChallenge(): string {
    return 'custom';
  }
}

class Slow extends SASLMechanism {
  constructor() {
    super('X-SLOW', true, 5);
  }
  override async clientChallenge(ctx: SaslContext): Promise<string> {
    await tick(10);
    return `slow:${ctx.authcid}`;
  }
}

class ServerFirst extends SASLMechanism {
  constructor() {
    super('X-SERVER-FIRST', false, 5);
  }
  override async onChallenge(_ctx: SaslContext, c: Uint8Array): Promise<string> {
    return `echo:${new TextDecoder().decode(c)}`;
  }
}

class Broken extends SASLMechanism {
  constructor() {
    super('X-BROKEN', true, 5);
  }
  override clientChallenge(): string {
    return 'hello';
  }
  override onChallenge(): never {
    throw new Error('broken on purpose');
  }
}

class BrokenEarly extends SASLMechanism {
  constructor() {
    super('X-BROKEN-EARLY', true, 5);
  }
  override clientChallenge(): never {
    throw new Error('cannot start');
  }
}

describe('selection', () => {
  it('honours the whitelist: offered A and B, whitelist [B] picks B', async () => {
    const h = harness(['SCRAM-SHA-1', 'PLAIN'], { registry: { mechanisms: ['PLAIN'] } });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:PLAIN']);
  });

  it('fails with CONNFAIL no-auth-mech when no whitelisted name is offered', async () => {
    const h = harness(['PLAIN', 'DIGEST-MD5'], { registry: { mechanisms: ['SCRAM-SHA-512'] } });
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'CONNFAIL', condition: 'no-auth-mech' });
    expect(h.sent).toEqual([]);
  });

  it('tries a custom class with priority 99 first', async () => {
    const h = harness(['SCRAM-SHA-512', 'X-CUSTOM'], { defaults: [...defaultMechanisms, Custom] });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:X-CUSTOM']);
    expect(payloadOf(h.sent[0]!)).toBe('custom');
  });

  it('lets mechanismPriorities reorder', async () => {
    const h = harness(['SCRAM-SHA-256', 'PLAIN'], { registry: { mechanismPriorities: { PLAIN: 100 } } });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:PLAIN']);
  });

  it('prefers the strongest SCRAM and never picks -PLUS', async () => {
    const h = harness(['SCRAM-SHA-1', 'SCRAM-SHA-256-PLUS', 'SCRAM-SHA-256', 'PLAIN']);
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:SCRAM-SHA-256']);
  });

  it('falls back from a failed EXTERNAL to SCRAM and completes it', async () => {
    const h = harness(['EXTERNAL', 'SCRAM-SHA-256']);
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:EXTERNAL']);
    expect(h.sent[0]!.text()).toBe('=');
    h.neg.receive(failure('not-authorized'));
    await h.sentCount(2);
    expect(trace(h.sent)).toEqual(['auth:EXTERNAL', 'auth:SCRAM-SHA-256']);
    const server = scramServer({ hash: 'SHA-256', password: 'pencil' });
    h.neg.receive(challenge(server.first(payloadOf(h.sent[1]!))));
    await h.sentCount(3);
    h.neg.receive(success(server.final(payloadOf(h.sent[2]!))));
    expect(await h.outcome()).toEqual({ ok: true, mechanism: 'SCRAM-SHA-256' });
    expect(h.ctx.savedKeys).toHaveLength(1);
  });

  it('never retries with PLAIN after SCRAM was refused', async () => {
    const h = harness(['SCRAM-SHA-1', 'PLAIN']);
    await h.sentCount(1);
    h.neg.receive(failure('not-authorized'));
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'not-authorized' });
    await tick(20);
    expect(trace(h.sent)).toEqual(['auth:SCRAM-SHA-1']);
  });

  it('awaits an async clientChallenge', async () => {
    const h = harness(['X-SLOW'], { defaults: [Slow] });
    await h.sentCount(1);
    expect(payloadOf(h.sent[0]!)).toBe('slow:user');
    expect(payloadOf(h.sent[0]!)).not.toContain('[object Promise]');
  });

  it('runs a server-first mechanism', async () => {
    const h = harness(['X-SERVER-FIRST'], { defaults: [ServerFirst] });
    await h.sentCount(1);
    expect(h.sent[0]!.text()).toBe('');
    h.neg.receive(challenge('ping'));
    await h.sentCount(2);
    expect(trace(h.sent)).toEqual(['auth:X-SERVER-FIRST', 'response']);
    expect(payloadOf(h.sent[1]!)).toBe('echo:ping');
    h.neg.receive(success());
    expect(await h.outcome()).toEqual({ ok: true, mechanism: 'X-SERVER-FIRST' });
  });

  it('sends <abort/> and reports AUTHFAIL with the message when a mechanism throws', async () => {
    const h = harness(['X-BROKEN'], { defaults: [Broken] });
    await h.sentCount(1);
    h.neg.receive(challenge('x'));
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'mechanism-error', text: expect.stringContaining('broken on purpose') });
    expect(trace(h.sent)).toEqual(['auth:X-BROKEN', 'abort']);
  });

  it('sends no <abort/> when a mechanism throws before its <auth/>', async () => {
    const h = harness(['X-BROKEN-EARLY'], { defaults: [BrokenEarly] });
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', text: expect.stringContaining('cannot start') });
    expect(h.sent).toEqual([]);
  });

  it('refuses a password SASLprep prohibits before sending anything', async () => {
    const h = harness(['SCRAM-SHA-256', 'PLAIN'], { ctx: { password: 'bell\u0007' } });
    expect(await h.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'saslprep-prohibited' });
    expect(h.sent).toEqual([]);
  });

  it('uses ANONYMOUS for a domain-only JID and PLAIN only over TLS', async () => {
    const anon = harness(['PLAIN', 'ANONYMOUS'], { ctx: { authcid: '', password: undefined } });
    await anon.sentCount(1);
    expect(trace(anon.sent)).toEqual(['auth:ANONYMOUS']);
    const insecure = harness(['PLAIN'], { ctx: { secure: false, service: 'ws://example.com/ws' } });
    expect(await insecure.outcome()).toMatchObject({ status: 'CONNFAIL', condition: 'no-auth-mech' });
  });

  it('uses OAUTHBEARER with a token and no password', async () => {
    const h = harness(['SCRAM-SHA-256', 'OAUTHBEARER', 'X-OAUTH2', 'PLAIN'], { ctx: { password: undefined, token: 'tok' } });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:OAUTHBEARER']);
  });
});
