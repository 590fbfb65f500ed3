// No SASL secret reaches the application: for each mechanism, server and carrier, every payload that really
// crossed the wire (captured outside the page) and every secret in it is absent from the debug hooks, the logger,
// onError, sessionStorage/localStorage and the error of a failed login.
import { recordedLogins } from './support/leak-page.js';
import { boshOptions, type E2eEnv, EJABBERD_BOSH_RETRIES, ejabberdToken, endpoint, type ServerName } from './support/env.js';
import { expect, test, uniq } from './support/fixtures.js';
import { leaked, saslAuths, saslPayloads, secretsOf } from './support/sasl-secrets.js';
import { captureWire } from './support/wire.js';

interface Case {
  server: ServerName;
  mechanism: string;
  jid: string;
  /** A password, or where the token comes from. */
  password?: string;
  token?: (env: E2eEnv) => string;
}

const prosodyToken = (env: E2eEnv) => env.prosody.hosts['oauth.localhost']?.tokens?.alice ?? '';
const CASES: Case[] = [
  ...['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'].map((mechanism) => ({ server: 'prosody' as const, mechanism, jid: 'alice@localhost', password: 'alicepass' })),
  ...['DIGEST-MD5', 'SCRAM-SHA-512'].map((mechanism) => ({ server: 'prosody' as const, mechanism, jid: 'bob@cyrus.localhost', password: 'bobpass' })),
  { server: 'prosody', mechanism: 'OAUTHBEARER', jid: 'alice@oauth.localhost', token: prosodyToken },
  ...['PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'].map((mechanism) => ({ server: 'ejabberd' as const, mechanism, jid: 'alice@ej.localhost', password: 'alicepass' })),
  { server: 'ejabberd', mechanism: 'X-OAUTH2', jid: 'alice@ej.localhost', token: ejabberdToken },
];

/** What each mechanism must have put on the wire, so that the check cannot pass on an empty capture. */
const EXPECTED_PIECES: Record<string, string[]> = {
  'SCRAM-SHA-1': ['SCRAM client proof p=', 'SCRAM server signature v='],
  'SCRAM-SHA-256': ['SCRAM client proof p=', 'SCRAM server signature v='],
  'SCRAM-SHA-512': ['SCRAM client proof p=', 'SCRAM server signature v='],
  'DIGEST-MD5': ['DIGEST-MD5 response=', 'DIGEST-MD5 rspauth='],
};

/** Declares the test of one mechanism on one server and carrier. */
function leakTest(c: Case, scheme: 'ws' | 'http'): void {
  test(`${c.server} ${c.mechanism}: no SASL payload or secret in hooks, logs, storage or errors`, async ({ harness, env }) => {
    const service = endpoint(env, c.server, scheme);
    const secret = c.token ? c.token(env) : (c.password as string);
    const wrong = c.token ? `wrong-token-${uniq('t')}` : `wrong-${uniq('p')}`;
    const cred = (s: string) => (c.token ? { token: s } : { password: s });
    const wire = captureWire(harness);
    const run = await harness.evaluate(recordedLogins, {
      service,
      jid: `${c.jid}/${uniq('leak')}`,
      mechanism: c.mechanism,
      good: cred(secret),
      bad: cred(wrong),
      keepalive: scheme === 'http',
      extra: scheme === 'http' ? boshOptions(c.server) : {},
    });
    await wire.settle();
    expect(run, run.loginError).toMatchObject({ ok: true, mechanism: c.mechanism, echoed: true });

    // what crossed the wire, and the secrets in it
    const payloads = saslPayloads(wire.texts);
    const secrets = secretsOf(payloads, [secret, wrong]);
    expect(saslAuths(wire.texts), 'an <auth/> per login on the wire').toEqual([c.mechanism, c.mechanism]);
    expect(payloads.filter((p) => p.element === 'auth' || p.element === 'response').length, 'client payloads on the wire').toBeGreaterThanOrEqual(2);
    for (const what of EXPECTED_PIECES[c.mechanism] ?? []) expect(secrets.map((s) => s.what)).toContain(what);

    // the buffer saw the SASL exchange, redacted
    expect(run.buffer).toContain('[redacted]');
    expect(run.buffer).toMatch(new RegExp(`xmlOutput <auth [^\\n]*mechanism="${c.mechanism}"`));
    expect(run.buffer).toMatch(/xmlInput <success\b/);
    expect(run.buffer).toMatch(/xmlInput <failure\b/);
    expect(run.buffer).toMatch(/rawInput [^\n]*<(?:\w+:)?success\b/);
    expect(run.buffer).toMatch(/rawOutput <auth\b/);
    expect(run.buffer).toMatch(/logger\.debug /);
    expect(run.buffer).toMatch(/logger\.warn \["failure"/);
  expect(run.buffer).toMatch(/onError rawInput \{[^\n]*hook refused: [^\n]*<(?:\w+:)?success\b/);

    expect(leaked(run.buffer, secrets), 'hooks, logger, onError, status callback').toEqual([]);
    expect(leaked(run.storage.join('\n'), secrets), 'sessionStorage/localStorage').toEqual([]);
    if (scheme === 'http') expect(run.storage[0]).toContain('antistrophe.bosh:');

    expect(run.failure).toMatchObject({ status: 4, condition: 'not-authorized' });
    const failure = run.failure as NonNullable<typeof run.failure>;
    expect(leaked(`${failure.text}\n${failure.message}\n${failure.string}`, secrets), 'the failed login error').toEqual([]);
  });
}

test.describe('WebSocket', () => {
  for (const c of CASES) leakTest(c, 'ws');
});

test.describe('BOSH (keepalive)', () => {
  for (const c of CASES.filter((x) => x.server === 'prosody')) leakTest(c, 'http');
  test.describe(() => {
    test.describe.configure({ retries: EJABBERD_BOSH_RETRIES });
    for (const c of CASES.filter((x) => x.server === 'ejabberd')) leakTest(c, 'http');
  });
});
