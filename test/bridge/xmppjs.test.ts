// The xmpp.js bridge in both directions: xmpp.js mechanisms inside our negotiator, ours inside @xmpp/sasl.
import { EventEmitter } from 'node:events';
import { client as xmppClient } from '@xmpp/client/index.js';
import { getMechanism } from '@xmpp/client/lib/createOnAuthenticate.js';
import sasl from '@xmpp/sasl';
import { Mechanism as HtSha256None } from '@xmpp/sasl-ht-sha-256-none';
import xml from '@xmpp/xml';
import SaslPlain from 'sasl-plain';
import SaslScramSha1 from 'sasl-scram-sha-1';
import Factory from 'saslmechanisms';
import { describe, expect, it } from 'vitest';
import { External } from '../../mechanisms/external.js';
import { ScramSha1, ScramSha256 } from '../../mechanisms/scram.js';
import { type BridgedMechanism, fromXmppJs, installXmppJs, toXmppJs, type XmppJsElement } from '../../src/bridge/xmppjs.js';
import type { SASLMechanismClass, ScramKeys } from '../../src/sasl/mechanism.js';
import { challenge, harness, payloadOf, success, trace } from '../mechanisms/helpers.js';
import { scramServer } from '../mechanisms/scram-server.js';

const NS = 'urn:ietf:params:xml:ns:xmpp-sasl';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const binary = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

describe('fromXmppJs: xmpp.js mechanisms in antistrophe', () => {
  it('runs sasl-plain (a class) as PLAIN', async () => {
    const h = harness(['PLAIN', 'SCRAM-SHA-1'], { registry: { mechanisms: [fromXmppJs(SaslPlain)] } });
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:PLAIN']);
    expect(payloadOf(h.sent[0]!)).toBe('\0user\0pencil');
    h.neg.receive(success());
    expect(await h.outcome()).toEqual({ ok: true, mechanism: 'PLAIN' });
  });

  it('runs xmpp.js SCRAM-SHA-1 (an instance, async steps) through the RFC 5802 example', async () => {
    const mech = fromXmppJs(new SaslScramSha1({ genNonce: () => 'fyko+d2lbbFgONRv9qkxdawL' }), 99);
    expect(mech).toMatchObject({ name: 'SCRAM-SHA-1', isClientFirst: true, priority: 99 });
    const h = harness(['SCRAM-SHA-1'], { registry: { mechanisms: [mech] } });
    await h.sentCount(1);
    expect(payloadOf(h.sent[0]!)).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    h.neg.receive(challenge('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'));
    await h.sentCount(2);
    expect(payloadOf(h.sent[1]!)).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    h.neg.receive(success('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
    expect(await h.outcome()).toEqual({ ok: true, mechanism: 'SCRAM-SHA-1' });
  });

  it('passes <success/> data to final() and fails when it throws', async () => {
    const ok = harness(['HT-SHA-256-NONE'], { registry: { mechanisms: [fromXmppJs(HtSha256None)] } });
    await ok.sentCount(1);
    const key = Buffer.from('pencil');
    const { createHmac } = await import('node:crypto');
    const responder = createHmac('sha256', key).update('Responder').digest();
    ok.neg.receive(xmlSuccess(responder));
    expect(await ok.outcome()).toEqual({ ok: true, mechanism: 'HT-SHA-256-NONE' });

    const bad = harness(['HT-SHA-256-NONE'], { registry: { mechanisms: [fromXmppJs(HtSha256None)] } });
    await bad.sentCount(1);
    bad.neg.receive(xmlSuccess(Buffer.alloc(32)));
    expect(await bad.outcome()).toMatchObject({ ok: false, status: 'AUTHFAIL', condition: 'mutual-auth-failed' });
  });

  it('defaults to priority 0 and stays off insecure transports', () => {
    const mech = fromXmppJs(SaslPlain);
    expect(mech.priority).toBe(0);
    const h = harness(['PLAIN'], { registry: { mechanisms: [mech] }, ctx: { secure: false } });
    return expect(h.outcome()).resolves.toMatchObject({ status: 'CONNFAIL', condition: 'no-auth-mech' });
  });

  it('refuses something that is not a mechanism', () => {
    expect(() => fromXmppJs({} as never)).toThrow(TypeError);
  });
});

function xmlSuccess(data: Buffer) {
  return success().append(data.toString('base64'));
}

/** Drives the real @xmpp/sasl with a scripted server; `reply` answers each element the client sends. */
function xmppJsSession(
  offered: string[],
  reply: (sent: XmppJsElement, payload: string) => XmppJsElement[],
  setup: (entity: ReturnType<typeof makeEntity>) => void,
  credentials: Record<string, unknown> = { username: 'user', password: 'pencil' },
) {
  const entity = makeEntity(reply);
  let handler: ((ctx: { entity: unknown }, next: () => unknown, element: unknown) => Promise<void>) | undefined;
  sasl({ streamFeatures: { use: (_n, _ns, h) => (handler = h) }, saslFactory: entity.saslFactory }, (done, mechs) =>
    done(credentials, mechs[0] as string),
  );
  setup(entity);
  const features = xml('mechanisms', { xmlns: NS }, ...offered.map((m) => xml('mechanism', {}, m)));
  return { entity, run: () => (handler as NonNullable<typeof handler>)({ entity }, () => undefined, features) };
}

function makeEntity(reply: (sent: XmppJsElement, payload: string) => XmppJsElement[]) {
  const sent: XmppJsElement[] = [];
  const entity = Object.assign(new EventEmitter(), {
    options: { domain: 'example.com', service: 'wss://example.com/ws' },
    saslFactory: new Factory(),
    sent,
    restarted: false,
    disconnected: false,
    isSecure: () => true,
    async send(el: XmppJsElement) {
      sent.push(el);
      for (const r of reply(el, el.text() ? unb64(el.text()) : '')) {
        setTimeout(() => {
          entity.emit('element', r);
          entity.emit('nonza', r);
        }, 1);
      }
    },
    async restart() {
      entity.restarted = true;
    },
    disconnect() {
      entity.disconnected = true;
    },
  });
  return entity;
}

/** A server script for SCRAM over @xmpp/sasl; `finalAs` decides how server-final is delivered. */
function scramScript(hash: 'SHA-1' | 'SHA-256', finalAs: 'success' | 'challenge' | 'bogus' | 'none') {
  const server = scramServer({ hash, password: 'pencil' });
  return (el: XmppJsElement, payload: string): XmppJsElement[] => {
    if (el.name === 'auth') return [xml('challenge', { xmlns: NS }, b64(server.first(payload)))];
    if (el.name === 'response' && payload.startsWith('c=')) {
      const final = server.final(payload);
      if (finalAs === 'challenge') return [xml('challenge', { xmlns: NS }, b64(final))];
      if (finalAs === 'bogus') return [xml('success', { xmlns: NS }, b64('v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='))];
      return [xml('success', { xmlns: NS }, finalAs === 'none' ? '' : b64(final))];
    }
    if (el.name === 'response') return [xml('success', { xmlns: NS })];
    return [];
  };
}

describe('toXmppJs / installXmppJs: our mechanisms in xmpp.js', () => {
  it('registers with the saslmechanisms factory under the right name', () => {
    const factory = new Factory();
    factory.use(toXmppJs(ScramSha256));
    const mech = factory.create(['SCRAM-SHA-256']);
    expect(mech).toMatchObject({ name: 'SCRAM-SHA-256', clientFirst: true });
  });

  it('logs in with verified SCRAM-SHA-256 through @xmpp/sasl and reports the keys', async () => {
    const keys: ScramKeys[] = [];
    const { entity, run } = xmppJsSession(['SCRAM-SHA-1', 'SCRAM-SHA-256'], scramScript('SHA-256', 'success'), (e) =>
      installXmppJs(e, ScramSha256, { onScramKeys: (k) => keys.push(k) }),
    );
    await run();
    expect(entity.sent.map((e) => e.name)).toEqual(['auth', 'response']);
    expect(entity.restarted).toBe(true);
    expect(keys).toEqual([expect.objectContaining({ mechanism: 'SCRAM-SHA-256', iterations: 4096 })]);
  });

  it('accepts server-final as a challenge (Cyrus style)', async () => {
    const { entity, run } = xmppJsSession(['SCRAM-SHA-256'], scramScript('SHA-256', 'challenge'), (e) => installXmppJs(e, ScramSha256));
    await run();
    expect(entity.sent.map((e) => e.name)).toEqual(['auth', 'response', 'response']);
    expect(entity.restarted).toBe(true);
  });

  for (const finalAs of ['bogus', 'none'] as const) {
    it(`fails the login on ${finalAs === 'bogus' ? 'a wrong' : 'a missing'} server signature and sends nothing more`, async () => {
      const { entity, run } = xmppJsSession(['SCRAM-SHA-256'], scramScript('SHA-256', finalAs), (e) => installXmppJs(e, ScramSha256));
      await expect(run()).rejects.toMatchObject({ name: 'SASLError', condition: 'mutual-auth-failed' });
      expect(entity.sent.map((e) => e.name)).toEqual(['auth', 'response']);
      expect(entity.restarted).toBe(false);
    });
  }

  it('without installXmppJs, @xmpp/sasl 0.14 never shows the mechanism a wrong signature in <success/>', async () => {
    const { entity, run } = xmppJsSession(['SCRAM-SHA-256'], scramScript('SHA-256', 'bogus'), (e) => e.saslFactory.use(toXmppJs(ScramSha256)));
    await run();
    expect(entity.restarted).toBe(true);
  });

  it('fails when SCRAM has neither password nor keys', async () => {
    const { run } = xmppJsSession(['SCRAM-SHA-256'], scramScript('SHA-256', 'success'), (e) => installXmppJs(e, ScramSha256), { username: 'user' });
    await expect(run()).rejects.toMatchObject({ condition: 'xmppjs-unusable' });
  });

  it('answers an empty challenge for EXTERNAL when @xmpp/sasl sends no initial response', async () => {
    const { entity, run } = xmppJsSession(
      ['EXTERNAL'],
      (el) => (el.name === 'auth' ? [xml('challenge', { xmlns: NS })] : [xml('success', { xmlns: NS })]),
      (e) => installXmppJs(e, External),
    );
    await run();
    expect(entity.sent.map((e) => [e.name, e.text()])).toEqual([
      ['auth', ''],
      ['response', ''],
    ]);
  });

  it('verifies XEP-0388 additional data in final()', async () => {
    const Bridged = toXmppJs(ScramSha1 as SASLMechanismClass);
    const run = async (final: (real: string) => string) => {
      const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
      const mech = new Bridged() as BridgedMechanism;
      const creds = { username: 'user', password: 'pencil', server: 'example.com' };
      const first = (await mech.response(creds)) as string;
      await mech.challenge(binary(server.first(first)));
      const real = server.final((await mech.response(creds)) as string);
      return mech.final?.(binary(final(real)));
    };
    await expect(run((v) => v)).resolves.toBeUndefined();
    await expect(run(() => 'v=AAAAAAAAAAAAAAAAAAAAAAAAAAA=')).rejects.toMatchObject({ condition: 'scram-bad-server-signature' });
  });

  it('judges only the exchange its own mechanism started', async () => {
    const entity = makeEntity(() => []);
    installXmppJs(entity, ScramSha1);
    installXmppJs(entity, ScramSha256);
    const creds = { username: 'user', password: 'pencil', server: 'example.com' };
    // SCRAM-SHA-1 starts, then another mechanism's <auth/> goes out: that exchange's success is not SCRAM-SHA-1's.
    await entity.saslFactory.create(['SCRAM-SHA-1'])?.response(creds);
    entity.emit('send', xml('auth', { xmlns: NS, mechanism: 'SCRAM-SHA-256' }));
    const other = xml('success', { xmlns: NS });
    entity.emit('element', other);
    expect(other.name).toBe('success');
    // In its own exchange a bare success (no server signature) becomes a failure.
    await entity.saslFactory.create(['SCRAM-SHA-1'])?.response(creds);
    entity.emit('send', xml('auth', { xmlns: NS, mechanism: 'SCRAM-SHA-1' }));
    const own = xml('success', { xmlns: NS });
    entity.emit('element', own);
    expect(own.name).toBe('failure');
    expect(own.getChild('mutual-auth-failed')).toBeDefined();
  });

  it('is tried first by a real @xmpp/client after installXmppJs', () => {
    const xmpp = xmppClient({ service: 'wss://example.com/ws', domain: 'example.com', username: 'user', password: 'pencil' });
    installXmppJs(xmpp, ScramSha256);
    expect(xmpp.saslFactory._mechs.map((m) => m.name)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'ANONYMOUS']);
    const mechanisms = xmpp.saslFactory._mechs.map((m) => m.name).filter((n) => n !== 'ANONYMOUS');
    expect(getMechanism({ mechanisms, entity: { isSecure: () => true }, credentials: { username: 'user', password: 'pencil' } })).toBe('SCRAM-SHA-256');
  });
});
