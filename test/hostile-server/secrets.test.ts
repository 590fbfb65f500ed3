// Secrets never reach a debug hook, the logger, onError or an error text, in either direction and on either
// carrier; tokens never travel in clear; a secret never goes out a second time after a failure.
import { describe, expect, it } from 'vitest';
import {
  CARRIERS,
  type Carrier,
  type LoginPlan,
  loginServer,
  payload,
  saslChallenge,
  saslFailure,
  saslSuccess,
  type ScriptedXmpp,
} from '../helpers/scripted-xmpp.js';
import { scramServer } from '../mechanisms/scram-server.js';
import { session } from './setup.js';

const PASSWORD = 'correct horse battery staple';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** A SCRAM server for `mechanism` that records every secret-bearing value it saw or sent. */
function scramPlan(mechanism: 'SCRAM-SHA-1' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512', secrets: string[]): LoginPlan {
  const hash = mechanism.slice(6) as 'SHA-1' | 'SHA-256' | 'SHA-512';
  const srv = scramServer({ hash, password: PASSWORD });
  return {
    mechs: [mechanism, 'PLAIN'],
    sasl: (el, respond) => {
      if (el.localName === 'auth') {
        const first = srv.first(payload(el));
        secrets.push(b64(first));
        respond(saslChallenge(first));
      } else if (el.localName === 'response') {
        const clientFinal = payload(el);
        const proof = /,p=([^,]*)$/.exec(clientFinal)?.[1] ?? '';
        const final = srv.final(clientFinal);
        secrets.push(el.text().trim(), proof, b64(final), final.slice(2));
        respond(final.startsWith('v=') ? saslSuccess(final) : saslFailure('not-authorized'));
      }
    },
  };
}

/** Asserts that no secret (nor its base64) shows in what the hooks, logger and onError captured. */
function expectNoSecret(captured: string[], secrets: string[]): void {
  const text = captured.join('\n');
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(b64(secret));
  }
}

describe.each(CARRIERS)('secrets over %s', (carrier: Carrier) => {
  it.each(['SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: no payload in any hook, either direction', async (mech) => {
    const secrets = [PASSWORD];
    const server = loginServer(carrier, scramPlan(mech, secrets));
    const s = session(server);
    expect(await s.login('user@example.org', PASSWORD)).toBeUndefined();
    expect(secrets.length).toBeGreaterThan(4);
    expectNoSecret(s.captured, secrets);
    // the hooks did see the exchange, in both directions, with its payloads replaced
    const text = s.captured.join('\n');
    for (const hook of ['xmlInput', 'xmlOutput', 'rawInput', 'rawOutput']) {
      expect(text, hook).toMatch(new RegExp(`${hook} [^\\n]*(challenge|response)[^\\n]*\\[redacted\\]`));
    }
    expect(text).toMatch(/xmlInput <success[^\n]*\[redacted\]/);
    expect(text).toMatch(/xmlOutput <response[^\n]*\[redacted\]/);
  });

  it('a wrong password (SCRAM e=) leaks nothing into the error or the hooks', async () => {
    const secrets = ['wrong password here'];
    const server = loginServer(carrier, scramPlan('SCRAM-SHA-256', secrets));
    const s = session(server);
    const err = await s.login('user@example.org', 'wrong password here');
    expect(err).toMatchObject({ condition: 'not-authorized' });
    expectNoSecret([...s.captured, err?.text ?? '', err?.message ?? ''], secrets);
  });

  it('PLAIN and tokens: neither the password nor the token shows', async () => {
    const plain = loginServer(carrier, { mechs: ['PLAIN'], sasl: (_el, respond) => respond(saslSuccess()) });
    const s = session(plain);
    expect(await s.login('user@example.org', PASSWORD)).toBeUndefined();
    expectNoSecret(s.captured, [PASSWORD, `\0user\0${PASSWORD}`]);
    expect(s.captured.join('\n')).toMatch(/xmlOutput <auth[^\n]*PLAIN[^\n]*\[redacted\]/);

    for (const mech of ['OAUTHBEARER', 'X-OAUTH2']) {
      const token = 'ya29.a0AfH6SMBx-secret-token';
      const server = loginServer(carrier, { mechs: [mech], sasl: (_el, respond) => respond(saslSuccess()) });
      const t = session(server);
      expect(await t.login('user@example.org', { token })).toBeUndefined();
      expect(t.conn.mechanism).toBe(mech);
      const auth = server.received.find((e) => e.localName === 'auth');
      expect(auth && payload(auth)).toContain(token); // it did go out, on the wire only
      expectNoSecret(t.captured, [token]);
    }
  });

  it('raw text that does not even parse still hides a SASL payload', async () => {
    const secret = 'r=clientnonceSERVERNONCE,s=c2FsdHNhbHQ=,i=4096';
    const server = loginServer(carrier, {
      mechs: ['SCRAM-SHA-1'],
      sasl: (el, respond) => el.localName === 'auth' && respond(`<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${b64(secret)}</challenge`),
    });
    const s = session(server);
    const err = await s.login('user@example.org', PASSWORD);
    expect(err).toMatchObject({ condition: 'bad-format' });
    expect(s.captured.join('\n')).toContain('rawInput');
    expectNoSecret(s.captured, [secret]);
  });
});

describe.each(CARRIERS)('bearer tokens over cleartext (%s)', (carrier: Carrier) => {
  it.each(['OAUTHBEARER', 'X-OAUTH2'])('%s is refused on a non-loopback cleartext carrier, like PLAIN', async (mech) => {
    const server = loginServer(carrier, { mechs: [mech, 'PLAIN'], sasl: (_el, respond) => respond(saslSuccess()) }, 'chat.example');
    const s = session(server);
    const err = await s.login('user@chat.example', { token: 'tok-123456789' });
    expect(err).toMatchObject({ condition: 'no-auth-mech' });
    expect(server.received.filter((e) => e.localName === 'auth')).toEqual([]);
    expect(server.wireText).not.toContain(b64('tok-123456789').slice(0, 12));
  });

  it.each(['OAUTHBEARER', 'X-OAUTH2'])('%s runs there with allowInsecurePasswords, and over TLS', async (mech) => {
    for (const [tls, options] of [
      [false, { allowInsecurePasswords: true }],
      [true, {}],
    ] as const) {
      const server = loginServer(carrier, { mechs: [mech], sasl: (_el, respond) => respond(saslSuccess()), bound: () => 'user@chat.example/r' }, 'chat.example', tls);
      const s = session(server, options);
      expect(await s.login('user@chat.example', { token: 'tok-123456789' })).toBeUndefined();
      expect(s.conn.mechanism).toBe(mech);
    }
  });

  it("OAUTHBEARER names the scheme's default port: 80 for ws:/http:, 443 for wss:/https:", async () => {
    for (const tls of [false, true]) {
      let sent = '';
      const server = loginServer(
        carrier,
        {
          mechs: ['OAUTHBEARER'],
          sasl: (el, respond) => {
            sent = payload(el);
            respond(saslSuccess());
          },
          bound: () => 'user@chat.example/r',
        },
        'chat.example',
        tls,
      );
      const s = session(server, { allowInsecurePasswords: true });
      expect(await s.login('user@chat.example', { token: 'tok' })).toBeUndefined();
      expect(sent).toContain(`\x01host=chat.example\x01port=${tls ? 443 : 80}\x01`);
    }
  });
});

describe.each(CARRIERS)('no second chance for a secret (%s)', (carrier: Carrier) => {
  it.each(['mechanism-too-weak', 'invalid-mechanism', 'encryption-required', 'not-authorized'])(
    'a refusal of the SCRAM proof (%s) ends the login: PLAIN never follows',
    async (condition) => {
      const secrets: string[] = [];
      const plan = scramPlan('SCRAM-SHA-1', secrets);
      const server = loginServer(carrier, {
        ...plan,
        sasl: (el, respond, srv) => (el.localName === 'response' ? respond(saslFailure(condition)) : plan.sasl(el, respond, srv)),
      });
      const s = session(server);
      const err = await s.login('user@example.org', PASSWORD);
      expect(err).toMatchObject({ condition });
      expect(s.statuses).toContain(`AUTHFAIL:${condition}`);
      expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['SCRAM-SHA-1']);
    },
  );

  it('a refusal of the very first <auth/> before any secret went out falls through to the next mechanism', async () => {
    const server = loginServer(carrier, {
      mechs: ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'],
      sasl: (el, respond) => {
        if (el.attrs.mechanism === 'SCRAM-SHA-256') respond(saslFailure('invalid-mechanism'));
        else if (el.attrs.mechanism === 'SCRAM-SHA-1') respond(saslFailure('mechanism-too-weak'));
        else respond(saslSuccess());
      },
    });
    const s = session(server);
    expect(await s.login('user@example.org', PASSWORD)).toBeUndefined();
    expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN']);
  });

  it('a verdict on the account at the first <auth/> (not-authorized) ends the login even before a secret went out', async () => {
    const server = loginServer(carrier, { mechs: ['SCRAM-SHA-1', 'PLAIN'], sasl: (_el, respond) => respond(saslFailure('not-authorized')) });
    const s = session(server);
    expect(await s.login('user@example.org', PASSWORD)).toMatchObject({ condition: 'not-authorized' });
    expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['SCRAM-SHA-1']);
  });

  it('X-OAUTH2 refused with mechanism-too-weak after its token went out: PLAIN never follows', async () => {
    const server = loginServer(carrier, { mechs: ['PLAIN', 'X-OAUTH2'], sasl: (_el, respond) => respond(saslFailure('mechanism-too-weak')) });
    const s = session(server);
    expect(await s.login('user@example.org', { password: PASSWORD, token: 'tok' })).toMatchObject({ condition: 'mechanism-too-weak' });
    expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['X-OAUTH2']);
  });
});

describe.each(CARRIERS)('EXTERNAL and ANONYMOUS (%s)', (carrier: Carrier) => {
  const certServer = (tls: boolean, bound = 'anon-1@example.org/r', external = saslFailure('not-authorized')): ScriptedXmpp =>
    loginServer(
      carrier,
      {
        mechs: ['EXTERNAL', 'ANONYMOUS'],
        sasl: (el, respond) => respond(el.attrs.mechanism === 'EXTERNAL' ? external : saslSuccess()),
        bound: () => bound,
      },
      '127.0.0.1',
      tls,
    );

  it('a failed EXTERNAL never becomes an anonymous session', async () => {
    const server = certServer(true);
    const s = session(server);
    const err = await s.login('example.org', null);
    expect(err).toMatchObject({ condition: 'not-authorized' });
    expect(s.statuses).toContain('AUTHFAIL:not-authorized');
    expect(s.statuses).not.toContain('CONNECTED');
    expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['EXTERNAL']);
  });

  it('…unless the application whitelisted ANONYMOUS', async () => {
    const server = certServer(true);
    const s = session(server, { mechanisms: ['EXTERNAL', 'ANONYMOUS'] });
    expect(await s.login('example.org', null)).toBeUndefined();
    expect(s.conn.mechanism).toBe('ANONYMOUS');
  });

  it('a domain-only JID selects ANONYMOUS where EXTERNAL cannot run at all (no TLS)', async () => {
    const server = certServer(false);
    const s = session(server);
    expect(await s.login('example.org', null)).toBeUndefined();
    expect(server.received.filter((e) => e.localName === 'auth').map((e) => e.attrs.mechanism)).toEqual(['ANONYMOUS']);
  });

  it('a domain-only login bound on another domain is identity-mismatch', async () => {
    for (const tls of [false, true]) {
      const server = certServer(tls, 'mallory@evil.example/r', saslSuccess());
      const s = session(server);
      expect(await s.login('example.org', null)).toMatchObject({ condition: 'identity-mismatch' });
      expect(s.statuses).not.toContain('CONNECTED');
    }
    const ok = certServer(true, 'alice@example.org/r', saslSuccess());
    const s = session(ok);
    expect(await s.login('example.org', null)).toBeUndefined();
    expect(s.conn.mechanism).toBe('EXTERNAL');
    expect(s.conn.jid).toBe('alice@example.org/r');
  });
});
