// The real-server SASL matrix: every mechanism × WebSocket/BOSH × server that supports it, in Chromium.
import { type E2eEnv, EJABBERD_BOSH_RETRIES, e2eEnv, ejabberdToken, endpoint, type Scheme, type ServerName } from './support/env.js';
import { expect, test } from './support/fixtures.js';

interface Case {
  server: ServerName;
  /** The server and host setup, for the title. */
  label: string;
  scheme: Scheme;
  mechanism: string;
  jid: string;
  /** The credentials, or how to get them once the server is known to run. */
  pass: unknown | ((env: E2eEnv) => unknown);
  expectJid: RegExp;
}

const env = e2eEnv();
const p = env.prosody;
const cases: Case[] = [];
for (const scheme of ['ws', 'http'] as const) {
  for (const m of ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256']) {
    cases.push({ server: 'prosody', label: 'prosody', scheme, mechanism: m, jid: 'alice@localhost', pass: 'alicepass', expectJid: /^alice@localhost\// });
  }
  for (const m of ['DIGEST-MD5', 'SCRAM-SHA-512', 'SCRAM-SHA-1', 'PLAIN']) {
    cases.push({ server: 'prosody', label: 'prosody+cyrus', scheme, mechanism: m, jid: 'bob@cyrus.localhost', pass: 'bobpass', expectJid: /^bob@cyrus\.localhost\// });
  }
  cases.push({ server: 'prosody', label: 'prosody', scheme, mechanism: 'ANONYMOUS', jid: 'anon.localhost', pass: null, expectJid: /@anon\.localhost\// });
  cases.push({
    server: 'prosody',
    label: 'prosody+oauth',
    scheme,
    mechanism: 'OAUTHBEARER',
    jid: 'alice@oauth.localhost',
    pass: { token: p.hosts['oauth.localhost']?.tokens?.alice },
    expectJid: /^alice@oauth\.localhost\//,
  });
}
// TLS: Prosody's https port asks for a client certificate (for EXTERNAL), and Chromium fails a WebSocket
// handshake that is asked for one it does not have (fetch carries on without), so wss to Prosody is covered
// by the client-certificate suite; plain TLS here goes over BOSH, and wss to ejabberd below
for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-1']) {
  cases.push({ server: 'prosody', label: 'prosody', scheme: 'https', mechanism: m, jid: 'alice@localhost', pass: 'alicepass', expectJid: /^alice@localhost\// });
}

// always declared: without ejabberd (E2E_NO_EJABBERD=1) they are reported as skipped
for (const scheme of ['ws', 'http'] as const) {
  for (const m of ['PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512']) {
    cases.push({ server: 'ejabberd', label: 'ejabberd', scheme, mechanism: m, jid: 'alice@ej.localhost', pass: 'alicepass', expectJid: /^alice@ej\.localhost\// });
  }
  const token = (e: E2eEnv) => ({ token: ejabberdToken(e) });
  cases.push({ server: 'ejabberd', label: 'ejabberd', scheme, mechanism: 'X-OAUTH2', jid: 'alice@ej.localhost', pass: token, expectJid: /^alice@ej\.localhost\// });
  cases.push({ server: 'ejabberd', label: 'ejabberd', scheme, mechanism: 'ANONYMOUS', jid: 'anon.ej.localhost', pass: null, expectJid: /@anon\.ej\.localhost\// });
}
cases.push({ server: 'ejabberd', label: 'ejabberd', scheme: 'wss', mechanism: 'SCRAM-SHA-512', jid: 'alice@ej.localhost', pass: 'alicepass', expectJid: /^alice@ej\.localhost\// });

/** Declares the login test of one case. */
function matrixTest(c: Case): void {
  const transport = c.scheme.startsWith('ws') ? 'ws' : 'bosh';
  test(`${c.label} ${transport} ${c.scheme} ${c.mechanism}`, async ({ harness }) => {
    const service = endpoint(env, c.server, c.scheme);
    const pass = typeof c.pass === 'function' ? (c.pass as (e: E2eEnv) => unknown)(env) : c.pass;
    const res = await harness.evaluate((x) => h.login('m', x.service, x.jid, x.pass, { mechanisms: [x.mechanism] }), { service, jid: c.jid, pass, mechanism: c.mechanism });
    expect(res, res.text).toMatchObject({ ok: true, mechanism: c.mechanism });
    expect(res.jid).toMatch(c.expectJid);
    const statuses = await harness.evaluate(() => h.disconnect('m'));
    expect(statuses.at(-1)).toBe('DISCONNECTED');
  });
}

const ejabberdBosh = (c: Case) => c.server === 'ejabberd' && c.scheme.startsWith('http');

test.describe('SASL matrix against real servers', () => {
  for (const c of cases.filter((x) => !ejabberdBosh(x))) matrixTest(c);
  test.describe(() => {
    test.describe.configure({ retries: EJABBERD_BOSH_RETRIES });
    for (const c of cases.filter(ejabberdBosh)) matrixTest(c);
  });
});

test.describe('negative cases', () => {
  test('wrong OAuth token is AUTHFAIL not-authorized', async ({ harness }) => {
    const res = await harness.evaluate((s) => h.login('m', s, 'alice@oauth.localhost', { token: 'not-a-valid-token' }), p.websocket.ws);
    expect(res).toMatchObject({ ok: false, status: 4, condition: 'not-authorized' });
    expect(res.text).toMatch(/^OAUTHBEARER: /);
  });

  test('a password alone never selects OAUTHBEARER: no-auth-mech on an OAuth-only host', async ({ harness }) => {
    const res = await harness.evaluate((s) => h.login('m', s, 'alice@oauth.localhost', 'alicepass'), p.websocket.ws);
    expect(res).toMatchObject({ ok: false, status: 2, condition: 'no-auth-mech' });
    expect(res.text).toContain('OAUTHBEARER');
  });

  test('a whitelist of mechanisms the server does not offer is CONNFAIL no-auth-mech', async ({ harness }) => {
    const res = await harness.evaluate((s) => h.login('m', s, 'alice@localhost', 'alicepass', { mechanisms: ['DIGEST-MD5', 'SCRAM-SHA-512'] }), p.websocket.ws);
    expect(res).toMatchObject({ ok: false, status: 2, condition: 'no-auth-mech' });
  });

  test('SCRAM not-authorized stops there: no PLAIN attempt with the same password', async ({ harness }) => {
    const res = await harness.evaluate(async (s) => {
      const conn = new (window as unknown as { A: typeof import('../src/index.js') }).A.Connection(s);
      const sent: string[] = [];
      conn.xmlOutput = (el) => {
        if (el.name === 'auth') sent.push(el.getAttribute('mechanism') ?? '?');
      };
      const err = await conn.connect('alice@localhost', 'wrong').catch((e: { status: number; condition: string }) => e);
      return { status: (err as { status?: number })?.status, condition: (err as { condition?: string })?.condition, auths: sent };
    }, p.websocket.ws);
    expect([res.status, res.condition]).toEqual([4, 'not-authorized']);
    expect(res.auths).toEqual(['SCRAM-SHA-256']);
  });
});

// conn.scramKeys after a password login are a credential of their own: the next login skips the password and
// PBKDF2. Only a server that stores SCRAM keys keeps salt and iteration count (Prosody's internal_hashed, its default).
test.describe('saved SCRAM keys against Prosody (hashed storage)', () => {
  for (const [transport, service] of [
    ['ws', p.websocket.ws],
    ['bosh', p.bosh.http],
  ] as const) {
    test(`${transport}: keys saved at a password login log in again without the password; tampered or stale keys fail`, async ({ harness }) => {
      const pass = p.hosts['hashed.localhost']?.users?.alice as string;
      const res = await harness.evaluate(
        async ({ service, pass }) => {
          const jid = 'alice@hashed.localhost';
          const first = new A.Connection(service, { mechanisms: ['SCRAM-SHA-1'] });
          await first.connect(jid, pass);
          const keys = first.scramKeys;
          await first.disconnect();
          if (!keys) return { error: 'no keys after the password login' };
          const again = new A.Connection(service);
          await again.connect(jid, { scramKeys: keys }); // no password at all: the keys are the credential
          const reused = { mechanism: again.mechanism, jid: again.jid };
          await again.disconnect();
          const fail = async (scramKeys: typeof keys) => {
            const c = new A.Connection(service);
            return c.connect(jid, { scramKeys }).then(
              () => ({ ok: true, condition: '' }),
              (e: { status: number; condition: string }) => ({ ok: false, status: e.status, condition: e.condition }),
            );
          };
          const flipped = btoa(String.fromCharCode(...Array.from(atob(keys.clientKey), (ch, i) => ch.charCodeAt(0) ^ (i === 0 ? 1 : 0))));
          const tampered = await fail({ ...keys, clientKey: flipped });
          const stale = await fail({ ...keys, iterations: keys.iterations + 1 });
          return { keys: { mechanism: keys.mechanism, iterations: keys.iterations }, reused, tampered, stale };
        },
        { service, pass },
      );
      expect(res).not.toHaveProperty('error');
      expect(res.keys).toEqual({ mechanism: 'SCRAM-SHA-1', iterations: expect.any(Number) });
      expect(res.reused).toEqual({ mechanism: 'SCRAM-SHA-1', jid: expect.stringMatching(/^alice@hashed\.localhost\//) });
      expect(res.tampered).toEqual({ ok: false, status: 4, condition: 'not-authorized' });
      expect(res.stale).toEqual({ ok: false, status: 4, condition: 'scram-keys-stale' });
    });
  }
});

// A non-ASCII name and password: SCRAM runs them through SASLprep's Unicode tables, which the page fetches only then
// (PLAIN sends them as UTF-8 and the server prepares them).
test.describe('non-ASCII credentials against Prosody', () => {
  const pass = p.hosts.localhost?.users?.['jürgen'] as string;
  for (const mechanism of ['SCRAM-SHA-1', 'SCRAM-SHA-256', 'PLAIN']) {
    test(`${mechanism}: jürgen logs in with a non-ASCII password`, async ({ harness }) => {
      const res = await harness.evaluate(({ ws, m, pw }) => h.login('u', ws, 'jürgen@localhost', pw, { mechanisms: [m] }), { ws: p.websocket.ws, m: mechanism, pw: pass });
      expect(res, res.text).toMatchObject({ ok: true, mechanism });
      expect(res.jid).toMatch(/^jürgen@localhost\//);
      await harness.evaluate(() => h.disconnect('u'));
    });
  }

  test('a password SASLprep prohibits fails before anything is sent, and names no character', async ({ harness }) => {
    const res = await harness.evaluate(async (ws) => {
      const conn = new A.Connection(ws, { mechanisms: ['SCRAM-SHA-1'] });
      const sent: string[] = [];
      conn.xmlOutput = (el) => sent.push(el.name);
      const outcome = await conn.connect('jürgen@localhost', 'pässwörd\u0007').then(
        () => ({ ok: true, condition: '', text: '' }),
        (e: { condition: string; text: string }) => ({ ok: false, condition: e.condition, text: e.text }),
      );
      return { ...outcome, sent };
    }, p.websocket.ws);
    expect(res).toMatchObject({ ok: false, condition: 'saslprep-prohibited' });
    expect(res.text).not.toContain('pässwörd');
    expect(res.sent).not.toContain('auth');
  });
});
