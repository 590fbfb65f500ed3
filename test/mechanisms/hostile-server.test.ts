// A scripted hostile server against the negotiator: every attack ends in AUTHFAIL with a specific condition,
// and after the <abort/> (or the outcome) the client sends nothing more.
import { describe, expect, it } from 'vitest';
import type { SaslOutcome } from '../../src/sasl/negotiator.js';
import { challenge, failure, type Harness, harness, payloadOf, raw, success, tick, trace } from './helpers.js';
import type { Scram } from '../../mechanisms/scram.js';
import { scramServer } from './scram-server.js';

/** Asserts the outcome, then that late server traffic changes nothing. */
async function expectAuthFail(h: Harness, condition: string, sentTrace: string[]): Promise<SaslOutcome> {
  const outcome = await h.outcome();
  expect(outcome).toMatchObject({ ok: false, status: 'AUTHFAIL', condition });
  expect(trace(h.sent)).toEqual(sentTrace);
  for (const late of [challenge('r=x,s=c2FsdA==,i=4096'), success(), failure()]) expect(h.neg.receive(late)).toBe(false);
  await tick(20);
  expect(trace(h.sent)).toEqual(sentTrace);
  expect(h.outcomes).toHaveLength(1);
  return outcome;
}

/** Starts SCRAM-SHA-1 only and returns the client nonce. */
async function scram(): Promise<{ h: Harness; nonce: string; clientFirst: string }> {
  const h = harness(['SCRAM-SHA-1']);
  await h.sentCount(1);
  const clientFirst = payloadOf(h.sent[0]!);
  return { h, clientFirst, nonce: /r=([^,]*)/.exec(clientFirst)?.[1] ?? '' };
}

/** Runs SCRAM-SHA-1 up to the client-final message against a correct server. */
async function scramToFinal() {
  const { h, clientFirst } = await scram();
  const server = scramServer({ hash: 'SHA-1', password: 'pencil' });
  h.neg.receive(challenge(server.first(clientFirst)));
  await h.sentCount(2);
  return { h, server, clientFinal: payloadOf(h.sent[1]!) };
}

describe('hostile server', () => {
  it('wrong nonce', async () => {
    const { h } = await scram();
    h.neg.receive(challenge('r=attackerchosennonce,s=c2FsdA==,i=4096'));
    await expectAuthFail(h, 'scram-nonce-mismatch', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('a server nonce longer than ours that does not start with ours', async () => {
    const { h, nonce } = await scram();
    // as long as ours plus a suffix, so only the prefix check can refuse it
    const forged = `${nonce.slice(1)}X${'srv'}`;
    expect(forged.length).toBeGreaterThan(nonce.length);
    h.neg.receive(challenge(`r=${forged},s=c2FsdA==,i=4096`));
    await expectAuthFail(h, 'scram-nonce-mismatch', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('an iteration count above maxIterations (a server making the client hash for minutes)', async () => {
    const { h, nonce } = await scram();
    h.neg.receive(challenge(`r=${nonce}srv,s=c2FsdA==,i=10000001`));
    const o = await expectAuthFail(h, 'scram-iterations-too-high', ['auth:SCRAM-SHA-1', 'abort']);
    expect(o.ok === false && o.text).toContain('10000000');
  });

  it('maxIterations is per mechanism instance and honoured exactly', async () => {
    const h = harness(['SCRAM-SHA-1']);
    const mech = h.registry.get('SCRAM-SHA-1') as Scram;
    mech.maxIterations = 5000;
    await h.sentCount(1);
    const nonce = /r=([^,]*)/.exec(payloadOf(h.sent[0]!))?.[1] ?? '';
    h.neg.receive(challenge(`r=${nonce}srv,s=c2FsdA==,i=5001`));
    await expectAuthFail(h, 'scram-iterations-too-high', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('nonce equal to the client nonce (not extended)', async () => {
    const { h, nonce } = await scram();
    h.neg.receive(challenge(`r=${nonce},s=c2FsdA==,i=4096`));
    await expectAuthFail(h, 'scram-nonce-mismatch', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('bogus v= in <success/>', async () => {
    const { h } = await scramToFinal();
    h.neg.receive(success('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
    const o = await expectAuthFail(h, 'mutual-auth-failed', ['auth:SCRAM-SHA-1', 'response']);
    expect(o).toMatchObject({ hangUp: true, text: expect.stringContaining('server signature') });
    expect(h.ctx.savedKeys).toEqual([]);
  });

  it('bogus v= in a challenge (Cyrus style)', async () => {
    const { h } = await scramToFinal();
    h.neg.receive(challenge('v=rmF9pqV8S7suAoZWja4dJRkFsKQ='));
    await expectAuthFail(h, 'scram-bad-server-signature', ['auth:SCRAM-SHA-1', 'response', 'abort']);
  });

  it('missing v= (data-less success)', async () => {
    const { h } = await scramToFinal();
    h.neg.receive(success());
    const o = await expectAuthFail(h, 'mutual-auth-failed', ['auth:SCRAM-SHA-1', 'response']);
    expect(o.ok === false && o.text).toContain('v=');
  });

  it('server error e= as a challenge', async () => {
    const { h } = await scramToFinal();
    h.neg.receive(challenge('e=invalid-proof'));
    await expectAuthFail(h, 'scram-server-error', ['auth:SCRAM-SHA-1', 'response', 'abort']);
  });

  it('iteration count below the minimum', async () => {
    const { h, nonce } = await scram();
    h.neg.receive(challenge(`r=${nonce}srv,s=c2FsdA==,i=1000`));
    await expectAuthFail(h, 'scram-iterations-too-low', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('mandatory extension m=', async () => {
    const { h, nonce } = await scram();
    h.neg.receive(challenge(`m=must-understand,r=${nonce}srv,s=c2FsdA==,i=4096`));
    await expectAuthFail(h, 'scram-unsupported-extension', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('invalid salt', async () => {
    const { h, nonce } = await scram();
    h.neg.receive(challenge(`r=${nonce}srv,s=*not base64*,i=4096`));
    await expectAuthFail(h, 'scram-bad-server-first', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('success before the final message', async () => {
    const { h } = await scram();
    h.neg.receive(success());
    await expectAuthFail(h, 'mutual-auth-failed', ['auth:SCRAM-SHA-1']);
  });

  it('invalid base64 in a challenge', async () => {
    const { h } = await scram();
    h.neg.receive(raw('challenge', 'cj1!!!'));
    await expectAuthFail(h, 'sasl-bad-base64', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('invalid base64 in <success/>', async () => {
    const { h } = await scramToFinal();
    h.neg.receive(raw('success', 'dj1@@@'));
    await expectAuthFail(h, 'mutual-auth-failed', ['auth:SCRAM-SHA-1', 'response']);
  });

  it('oversized challenge', async () => {
    const { h } = await scram();
    h.neg.receive(raw('challenge', 'A'.repeat(70_000)));
    await expectAuthFail(h, 'sasl-challenge-too-large', ['auth:SCRAM-SHA-1', 'abort']);
  });

  it('DIGEST-MD5 with a bad rspauth', async () => {
    const h = harness(['DIGEST-MD5']);
    await h.sentCount(1);
    expect(h.sent[0]!.text()).toBe('');
    h.neg.receive(challenge('realm="example.com",nonce="abc",qop="auth",charset=utf-8,algorithm=md5-sess'));
    await h.sentCount(2);
    h.neg.receive(challenge('rspauth=0123456789abcdef0123456789abcdef'));
    await expectAuthFail(h, 'digest-bad-rspauth', ['auth:DIGEST-MD5', 'response', 'abort']);
  });

  it('DIGEST-MD5 success without rspauth', async () => {
    const h = harness(['DIGEST-MD5']);
    await h.sentCount(1);
    h.neg.receive(challenge('nonce="abc",qop="auth",algorithm=md5-sess'));
    await h.sentCount(2);
    h.neg.receive(success());
    await expectAuthFail(h, 'mutual-auth-failed', ['auth:DIGEST-MD5', 'response']);
  });

  it('PLAIN success with data', async () => {
    const h = harness(['PLAIN']);
    await h.sentCount(1);
    h.neg.receive(success('surprise'));
    await expectAuthFail(h, 'mutual-auth-failed', ['auth:PLAIN']);
  });

  it('a <failure/> queued behind a broken challenge does not start another mechanism', async () => {
    const h = harness(['EXTERNAL', 'SCRAM-SHA-256']);
    await h.sentCount(1);
    expect(trace(h.sent)).toEqual(['auth:EXTERNAL']);
    h.neg.receive(challenge('unexpected'));
    h.neg.receive(failure());
    await expectAuthFail(h, 'unexpected-challenge', ['auth:EXTERNAL', 'abort']);
  });
});
