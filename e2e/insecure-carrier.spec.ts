// A bearer token or password never goes over a cleartext carrier to a host that is not loopback: the servers'
// ws:// ports reached as xmpp.test (mapped to 127.0.0.1 inside Chromium only, so the library sees a remote host).
import { chromium } from './support/chromium.js';
import { type E2eEnv, ejabberdToken, endpoint, type ServerName } from './support/env.js';
import { expect, test } from './support/fixtures.js';
import { saslAuths } from './support/sasl-secrets.js';
import { captureWire } from './support/wire.js';

test.use({ launchOptions: chromium(['--host-resolver-rules=MAP xmpp.test 127.0.0.1']) });

interface Case {
  server: ServerName;
  mechanism: string;
  jid: string;
  credentials: (env: E2eEnv) => { token: string } | { password: string };
}

const CASES: Case[] = [
  { server: 'prosody', mechanism: 'OAUTHBEARER', jid: 'alice@oauth.localhost', credentials: (e) => ({ token: e.prosody.hosts['oauth.localhost']?.tokens?.alice ?? '' }) },
  { server: 'ejabberd', mechanism: 'X-OAUTH2', jid: 'alice@ej.localhost', credentials: (e) => ({ token: ejabberdToken(e) }) },
  { server: 'prosody', mechanism: 'PLAIN', jid: 'alice@localhost', credentials: () => ({ password: 'alicepass' }) },
];

for (const c of CASES) {
  test(`${c.server} ${c.mechanism} over ws://xmpp.test: CONNFAIL no-auth-mech and no <auth/> sent; with allowInsecurePasswords it logs in`, async ({ harness, env }) => {
    const local = new URL(endpoint(env, c.server, 'ws'));
    const service = `ws://xmpp.test:${local.port}${local.pathname}`;
    const credentials = c.credentials(env);
    const secret = 'token' in credentials ? credentials.token : credentials.password;
    const wire = captureWire(harness);
    const login = (options: object) => harness.evaluate((x) => h.login('c', x.service, x.jid, x.credentials, x.options), { service, jid: c.jid, credentials, options });

    // a token has no other mechanism to go to; a password would go to SCRAM, which never sends it
    const variants = 'token' in credentials ? [{ mechanisms: [c.mechanism] }, {}] : [{ mechanisms: [c.mechanism] }];
    for (const options of variants) {
      const refused = await login(options);
      expect(refused).toMatchObject({ ok: false, status: 2, condition: 'no-auth-mech' });
      // the server offered it: the refusal is the client's
      expect(refused.text).toMatch(new RegExp(`^no usable mechanism: offered \\[[^\\]]*\\b${c.mechanism}\\b`));
    }
    expect(wire.sockets.filter((u) => u.startsWith('ws://xmpp.test:')), 'the carrier really was xmpp.test').toHaveLength(variants.length);
    expect(saslAuths(wire.sent)).toEqual([]);
    expect(wire.texts.join('\n')).not.toContain(secret);

    const allowed = await login({ mechanisms: [c.mechanism], allowInsecurePasswords: true });
    expect(allowed, allowed.text).toMatchObject({ ok: true, mechanism: c.mechanism });
    expect(saslAuths(wire.sent)).toEqual([c.mechanism]);
    await harness.evaluate(() => h.disconnect('c'));
  });
}
