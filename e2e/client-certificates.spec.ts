// Client-certificate logins (SASL EXTERNAL, XEP-0178) against the real Prosody over HTTPS BOSH and WSS in Chromium:
// both Prosody modules, the failure modes, fallback to SCRAM, XEP-0257 management, and a browser-owned certificate.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright/test';
import { buildExamples } from './support/build-examples.js';
import { canWriteChromiumPolicies, certHarness, httpsOrigin, launchWithNssHome, loadXep0257, withAutoSelectPolicy } from './support/cert-browser.js';
import { certDir, nssHome } from './support/cert-pki.js';
import { e2eEnv } from './support/env.js';
import { expect, type LoginResult, openHarness, test, uniq } from './support/fixtures.js';

declare const X: typeof import('../src/xep-0257/index.js');

const env = e2eEnv();
const certs = env.certs.clients;
const { caName, rogueCaName } = env.certs as { caName?: string; rogueCaName?: string };
const BOSH = env.prosody.bosh.https;
const WSS = env.prosody.websocket.wss;
const ORIGIN = httpsOrigin(BOSH);
const CONNFAIL = 2;
const AUTHFAIL = 4;
const NOT_ACCEPTED = /^EXTERNAL: client certificate not accepted/;
const BOSH_UNREACHABLE = /^cannot reach https:\/\/127\.0\.0\.1:\d+\/http-bind .*TLS refused/;
const WSS_UNREACHABLE = /^cannot open wss:\/\/127\.0\.0\.1:\d+\/xmpp-websocket .*TLS refused/;

/** Both carriers; BOSH is cross-origin here, so it sends the certificate with `credentials: 'include'`. */
const TRANSPORTS = [
  { name: 'BOSH', service: BOSH, options: { credentials: 'include' } },
  { name: 'WSS', service: WSS, options: {} },
] as const;

/** A Playwright client-certificate option for one of the e2e certificates. */
const presenting = (id: string, origin = ORIGIN) => {
  const c = certs[id];
  if (!c) throw new Error(`no certificate "${id}" in env.json`);
  return { clientCertificates: [{ origin, certPath: c.cert, keyPath: c.key }] };
};

function login(page: Page, key: string, service: string, jid: string, pass: unknown, options: object = {}): Promise<LoginResult> {
  return page.evaluate((a) => h.login(a.key, a.service, a.jid, a.pass, a.options), { key, service, jid, pass, options });
}

/** A failed login, with how long it took: a failure must come quickly, never as a hang. */
async function failedLogin(page: Page, key: string, service: string, jid: string, pass: unknown, options: object = {}) {
  const t0 = Date.now();
  const res = await login(page, key, service, jid, pass, options);
  const ms = Date.now() - t0;
  expect(res.ok, `unexpectedly logged in as ${res.jid}`).toBe(false);
  expect((res as LoginResult & { name?: string }).name).toBe('ConnectionError');
  expect(ms).toBeLessThan(10_000);
  return res;
}

/** Sends a message from `from` to `toJid` and waits until `to` has it. */
async function exchange(page: Page, from: string, to: string, toJid: string): Promise<string | null | undefined> {
  const tag = uniq('ext');
  await page.evaluate((a) => h.say(a.from, a.to, `${a.tag} via EXTERNAL ✓`), { from, to: toJid, tag });
  const got = await page.evaluate((a) => h.inbox(a.to, a.tag), { to, tag });
  return got[0]?.body === `${tag} via EXTERNAL ✓` ? got[0]?.from : undefined;
}

for (const t of TRANSPORTS) {
  test.describe(`${t.name}: alice's registered certificate (localhost, mod_client_certs)`, () => {
    test.use(presenting('alice'));

    test(`${t.name}: logs in with EXTERNAL and no password, messages flow with bob (password); EXTERNAL alone whitelisted with connect(jid, {}) too`, async ({
      harness,
    }) => {
      const a = await login(harness, 'alice', t.service, 'alice@localhost', null, t.options);
      expect(a, a.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(a.jid).toMatch(/^alice@localhost\/.+/);
      expect(a.statuses).toEqual(['CONNECTING', 'AUTHENTICATING', 'CONNECTED']);
      const b = await login(harness, 'bob', t.service, `bob@localhost/${uniq('peer')}`, 'bobpass', { ...t.options, mechanisms: ['SCRAM-SHA-256'] });
      expect(b, b.text).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-256' });
      expect(await exchange(harness, 'alice', 'bob', b.jid as string)).toBe(a.jid);
      expect(await exchange(harness, 'bob', 'alice', a.jid as string)).toBe(b.jid);
      const w = await login(harness, 'w', t.service, 'alice@localhost', {}, { ...t.options, mechanisms: ['EXTERNAL'] });
      expect(w, w.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(w.jid).toMatch(/^alice@localhost\//);
      expect((await harness.evaluate(() => h.disconnect('alice'))).slice(-2)).toEqual(['DISCONNECTING', 'DISCONNECTED']);
      await harness.evaluate(() => Promise.all([h.disconnect('bob'), h.disconnect('w')]));
    });

    test(`${t.name}: asking for bob with alice's certificate is AUTHFAIL identity-mismatch, not a session as alice`, async ({ harness }) => {
      const res = await failedLogin(harness, 'a', t.service, 'bob@localhost', null, { ...t.options, mechanisms: ['EXTERNAL'] });
      expect(res.status).toBe(AUTHFAIL);
      expect(res.condition).toBe('identity-mismatch');
      expect(res.text).toBe('logged in as alice@localhost, not bob@localhost');
      await expect.poll(() => harness.evaluate(() => conns.a?.statuses.at(-1))).toMatch(/^DISCONNECTED/);
    });
  });

  test.describe(`${t.name}: certuser's certificate (cert.localhost, mod_auth_ccert, EXTERNAL only)`, () => {
    test.use(presenting('certuser'));

    test(`${t.name}: logs in with EXTERNAL and a message to itself arrives; a domain-only JID logs in as whoever the certificate names`, async ({
      harness,
    }) => {
      const c = await login(harness, 'c', t.service, 'certuser@cert.localhost', null, t.options);
      expect(c, c.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(c.jid).toMatch(/^certuser@cert\.localhost\/.+/);
      expect(await exchange(harness, 'c', 'c', c.jid as string)).toBe(c.jid);
      const d = await login(harness, 'd', t.service, 'cert.localhost', null, { ...t.options, mechanisms: ['EXTERNAL'] });
      expect(d, d.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(d.jid).toMatch(/^certuser@cert\.localhost\/.+/);
      expect(d.jid).not.toBe(c.jid);
      expect(await harness.evaluate(() => conns.d?.authenticated)).toBe(true);
      await harness.evaluate(() => Promise.all([h.disconnect('c'), h.disconnect('d')]));
    });
  });

  test.describe(`${t.name}: bob's valid but unregistered certificate`, () => {
    test.use(presenting('bob'));

    test(`${t.name}: as alice without a password: AUTHFAIL not-authorized saying the certificate was refused; with alice's password the default mechanisms fall back to SCRAM`, async ({
      harness,
    }) => {
      const res = await failedLogin(harness, 'a', t.service, 'alice@localhost', null, t.options);
      expect(res.status).toBe(AUTHFAIL);
      expect(res.condition).toBe('not-authorized');
      expect(res.text).toMatch(NOT_ACCEPTED);
      expect(res.statuses.slice(0, 3)).toEqual(['CONNECTING', 'AUTHENTICATING', 'AUTHFAIL:not-authorized']);
      const ok = await login(harness, 'b', t.service, 'alice@localhost', 'alicepass', t.options);
      expect(ok, ok.text).toMatchObject({ ok: true });
      expect(ok.mechanism).toMatch(/^SCRAM-/);
      expect(ok.jid).toMatch(/^alice@localhost\//);
      await harness.evaluate(() => h.disconnect('b'));
    });
  });

  test.describe(`${t.name}: certificates the TLS handshake refuses`, () => {
    for (const [id, jid, why] of [
      ['rogue-alice', 'alice@localhost', 'issued by an unknown CA'],
      ['expired-certuser', 'certuser@cert.localhost', 'expired'],
    ] as const) {
      test.describe(() => {
        test.use(presenting(id));
        test(`${t.name}: a certificate ${why} fails fast with CONNFAIL`, async ({ harness }) => {
          const res = await failedLogin(harness, 'a', t.service, jid, null, t.options);
          expect(res.status).toBe(CONNFAIL);
          expect(res.condition).toBe('remote-connection-failed');
          expect(res.text).toMatch(t.name === 'WSS' ? WSS_UNREACHABLE : BOSH_UNREACHABLE);
          expect(res.statuses.slice(0, 2)).toEqual(['CONNECTING', 'CONNFAIL:remote-connection-failed']);
          await expect.poll(() => harness.evaluate(() => conns.a?.statuses.at(-1))).toBe('DISCONNECTED:remote-connection-failed');
        });
      });
    }
  });
}

test.describe('no client certificate at all', () => {
  // mod_auth_ccert still offers EXTERNAL on a TLS connection without a certificate, and reports the missing one as
  // account-disabled; mod_client_certs offers EXTERNAL only to a connection that presented one
  test('BOSH, EXTERNAL-only cert.localhost: AUTHFAIL account-disabled saying the certificate was refused, whitelisted or not', async ({ harness }) => {
    const res = await failedLogin(harness, 'a', BOSH, 'certuser@cert.localhost', null, { credentials: 'include' });
    expect([res.status, res.condition]).toEqual([AUTHFAIL, 'account-disabled']);
    expect(res.text).toMatch(NOT_ACCEPTED);
    expect(res.statuses.slice(0, 3)).toEqual(['CONNECTING', 'AUTHENTICATING', 'AUTHFAIL:account-disabled']);
    const only = await failedLogin(harness, 'b', BOSH, 'cert.localhost', null, { credentials: 'include', mechanisms: ['EXTERNAL'] });
    expect([only.status, only.condition]).toEqual([AUTHFAIL, 'account-disabled']);
    expect(only.text).toMatch(NOT_ACCEPTED);
  });

  test('BOSH, localhost: CONNFAIL no-auth-mech without a password, and with EXTERNAL alone whitelisted (no EXTERNAL offered)', async ({ harness }) => {
    const res = await failedLogin(harness, 'a', BOSH, 'alice@localhost', null, { credentials: 'include' });
    expect([res.status, res.condition]).toEqual([CONNFAIL, 'no-auth-mech']);
    expect(res.text).toMatch(/^no usable mechanism: offered \[[^\]]*SCRAM-SHA-256[^\]]*\], allowed \[[^\]]*EXTERNAL[^\]]*\]; no client certificate accepted$/);
    expect(res.text).not.toMatch(/offered \[[^\]]*EXTERNAL/);
    const only = await failedLogin(harness, 'b', BOSH, 'alice@localhost', 'alicepass', { credentials: 'include', mechanisms: ['EXTERNAL'] });
    expect([only.status, only.condition]).toEqual([CONNFAIL, 'no-auth-mech']);
    expect(only.text).toMatch(/^no usable mechanism: offered \[[^\]]*\], allowed \[EXTERNAL\]; no client certificate accepted$/);
    expect(only.text).not.toMatch(/offered \[[^\]]*EXTERNAL/);
  });

  test('WSS: Chromium cancels the handshake the server asks a certificate for: CONNFAIL remote-connection-failed', async ({ harness }) => {
    const res = await failedLogin(harness, 'a', WSS, 'cert.localhost', null, { mechanisms: ['EXTERNAL'] });
    expect(res.status).toBe(CONNFAIL);
    expect(res.condition).toBe('remote-connection-failed');
    expect(res.text).toMatch(WSS_UNREACHABLE);
  });
});

test.describe('ejabberd', () => {
  const ej = env.ejabberd;
  test.skip(!ej, 'ejabberd is not running (E2E_NO_EJABBERD=1)');
  test.use(presenting('ejalice', ej ? httpsOrigin(ej.websocket.wss) : ORIGIN));

  test('offers no EXTERNAL over WSS even with a valid certificate: CONNFAIL no-auth-mech naming what it offers', async ({ harness }) => {
    const res = await failedLogin(harness, 'a', ej?.websocket.wss as string, 'alice@ej.localhost', null);
    expect([res.status, res.condition]).toEqual([CONNFAIL, 'no-auth-mech']);
    expect(res.text).toMatch(/^no usable mechanism: offered \[[^\]]*SCRAM-SHA-256[^\]]*\], allowed \[[^\]]*EXTERNAL[^\]]*\]; no client certificate accepted$/);
    expect(res.text).not.toMatch(/offered \[[^\]]*EXTERNAL/);
  });
});

test.describe('XEP-0257 certificate management (mod_client_certs)', () => {
  test('add a new certificate, log in with it, disable keeps sessions, revoke ends them, then EXTERNAL fails', async ({ harness, browser, baseURL }) => {
    const pki = certDir(env.certs.ca, env.certs.ca.replace(/\.crt$/, '.key'));
    const carol = pki.issue('carol@localhost', 'carol');
    const device = await certHarness(browser, baseURL as string, ORIGIN, carol);
    const [first, second] = [uniq('laptop'), uniq('phone')];
    try {
      // the managing session: carol with her password, no certificate
      const m = await login(harness, 'm', BOSH, `carol@localhost/${uniq('mgr')}`, 'carolpass', { credentials: 'include' });
      expect(m, m.text).toMatchObject({ ok: true });
      expect(m.mechanism).toMatch(/^SCRAM-/);
      await loadXep0257(harness);
      expect(await harness.evaluate(() => X.supportsCertificateManagement(conns.m!, 'localhost'))).toBe(true);

      // before: the new certificate cannot log in
      const before = await failedLogin(device.page, 'd0', WSS, 'carol@localhost', null);
      expect([before.status, before.condition]).toEqual([AUTHFAIL, 'not-authorized']);

      await harness.evaluate((a) => X.addCertificate(conns.m!, a.name, a.pem), { name: first, pem: carol.pem });
      const d1 = await login(device.page, 'd1', WSS, 'carol@localhost', null);
      expect(d1, d1.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(d1.jid).toMatch(/^carol@localhost\//);

      // disable: no new logins with it, the open session stays
      await harness.evaluate((name) => X.disableCertificate(conns.m!, name), first);
      const refused = await failedLogin(device.page, 'd2', WSS, 'carol@localhost', null);
      expect([refused.status, refused.condition]).toEqual([AUTHFAIL, 'not-authorized']);
      const pong = await device.page.evaluate(async () => {
        const r = await conns.d1?.sendIQ(A.$iq({ type: 'get', to: conns.d1.jid }).c('ping', { xmlns: 'urn:xmpp:ping' }));
        return r?.getAttribute('type');
      });
      expect(pong).toBe('result');

      // add again under another name, over BOSH as DER bytes this time; list shows it
      await harness.evaluate(async (a) => {
        const x509 = X.encodeCertificate(a.pem);
        const der = Uint8Array.from(atob(x509), (c) => c.charCodeAt(0));
        await X.addCertificate(conns.m!, a.name, der);
      }, { name: second, pem: carol.pem });
      const listed = await harness.evaluate(() => X.listCertificates(conns.m!));
      const expected = await harness.evaluate((pem) => X.encodeCertificate(pem), carol.pem);
      expect(listed.find((c) => c.name === second)).toEqual({ name: second, x509cert: expected });
      expect(listed.find((c) => c.name === first)).toBeUndefined();
      const d3 = await login(device.page, 'd3', BOSH, 'carol@localhost', null, { credentials: 'include' });
      expect(d3, d3.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      const d4 = await login(device.page, 'd4', WSS, 'carol@localhost', null);
      expect(d4, d4.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });

      // revoke: the server closes the WebSocket sessions that logged in with the certificate; new logins fail
      await harness.evaluate((name) => X.revokeCertificate(conns.m!, name), second);
      for (const key of ['d1', 'd4']) {
        await expect.poll(() => device.page.evaluate((k) => conns[k]?.statuses.at(-1), key)).toMatch(/^DISCONNECTED/);
        const statuses = await device.page.evaluate((k) => conns[k]?.statuses ?? [], key);
        expect(statuses).toContain('CONNECTED');
        expect(statuses.some((s) => s.startsWith('CONNFAIL'))).toBe(true);
      }
      const after = await failedLogin(device.page, 'd5', WSS, 'carol@localhost', null);
      expect([after.status, after.condition]).toEqual([AUTHFAIL, 'not-authorized']);
      expect(after.text).toMatch(NOT_ACCEPTED);
      const remaining = await harness.evaluate(() => X.listCertificates(conns.m!));
      expect(remaining.map((c) => c.name)).not.toContain(second);
      await harness.evaluate(() => h.disconnect('m'));
      expect(device.errors).toEqual([]);
    } finally {
      await harness
        .evaluate((names) => Promise.allSettled(names.map((n) => (conns.m?.connected ? X.revokeCertificate(conns.m, n) : undefined))), [first, second])
        .catch(() => undefined);
      await device.context.close();
      pki.remove();
    }
  });

  test('revoking ends the WebSocket session of that certificate with the stream error not-authorized', async ({ harness, browser, baseURL }) => {
    // Prosody sends this <stream:error> frame without declaring the "stream" prefix; the WebSocket transport binds it
    const pki = certDir(env.certs.ca, env.certs.ca.replace(/\.crt$/, '.key'));
    const carol = pki.issue('carol@localhost', 'carol');
    const device = await certHarness(browser, baseURL as string, ORIGIN, carol);
    const name = uniq('revoked');
    try {
      const m = await login(harness, 'm', BOSH, `carol@localhost/${uniq('mgr')}`, 'carolpass', { credentials: 'include' });
      expect(m, m.text).toMatchObject({ ok: true });
      await loadXep0257(harness);
      await harness.evaluate((a) => X.addCertificate(conns.m!, a.name, a.pem), { name, pem: carol.pem });
      const d = await login(device.page, 'd', WSS, 'carol@localhost', null);
      expect(d, d.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      await harness.evaluate((n) => X.revokeCertificate(conns.m!, n), name);
      await expect.poll(() => device.page.evaluate(() => conns.d?.statuses.at(-1))).toMatch(/^DISCONNECTED/);
      expect(await device.page.evaluate(() => conns.d?.statuses.slice(-2))).toEqual(['CONNFAIL:not-authorized', 'DISCONNECTED:not-authorized']);
    } finally {
      await harness.evaluate((n) => (conns.m?.connected ? X.revokeCertificate(conns.m, n) : undefined), name).catch(() => undefined);
      await device.context.close();
      pki.remove();
    }
  });

  test("the server refuses a certificate for another JID with a typed bad-request, and lists the account's certificates", async ({ harness }) => {
    const m = await login(harness, 'm', BOSH, 'alice@localhost', 'alicepass', { credentials: 'include' });
    expect(m, m.text).toMatchObject({ ok: true });
    await loadXep0257(harness);
    const err = await harness.evaluate(async (pem) => {
      try {
        await X.addCertificate(conns.m!, 'not-mine', pem);
        return null;
      } catch (e) {
        const x = e as InstanceType<typeof X.CertificateManagementError>;
        return { name: x.name, operation: x.operation, condition: x.condition, type: x.type, text: x.text, isClass: e instanceof X.CertificateManagementError };
      }
    }, readFileSync(certs.bob?.cert as string, 'utf8'));
    expect(err).toEqual({
      name: 'CertificateManagementError',
      operation: 'add',
      condition: 'bad-request',
      type: 'cancel',
      text: 'This certificate has no valid id-on-xmppAddr field.',
      isClass: true,
    });
    // alice's certificate was registered by the server setup (stored without its base64, so x509cert is empty)
    const list = await harness.evaluate(() => X.listCertificates(conns.m!));
    expect(list.map((c) => c.name)).toContain('e2e');
    expect(list.map((c) => c.name)).not.toContain('not-mine');
    await harness.evaluate(() => h.disconnect('m'));
  });
});

test('deployment path: Chromium picks the certificate from its NSS database under an AutoSelectCertificateForUrls policy', async ({ env, baseURL }) => {
  test.skip(!canWriteChromiumPolicies(), 'writing /etc/chromium/policies/managed needs root');
  const nss = env.nssdb.alice;
  expect(nss, 'env.json has no NSS database for alice').toBeDefined();
  await withAutoSelectPolicy([{ pattern: ORIGIN, issuerCN: caName as string }], async () => {
    const browser = await launchWithNssHome(nss?.home as string, test.info().project.use.launchOptions);
    try {
      const context = await browser.newContext({ baseURL, ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const errors = await openHarness(page);
      // a WebSocket handshake cannot answer the server's certificate request: Chromium cancels it ...
      const first = await failedLogin(page, 'w1', WSS, 'alice@localhost', null);
      expect([first.status, first.condition]).toEqual([CONNFAIL, 'remote-connection-failed']);
      // ... while an HTTPS request (BOSH) lets the policy choose the certificate: EXTERNAL, no password
      const bosh = await login(page, 'b', BOSH, 'alice@localhost', null, { credentials: 'include' });
      expect(bosh, bosh.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      expect(bosh.jid).toMatch(/^alice@localhost\//);
      // ... and from then on the WebSocket reuses the certificate chosen for this host and port
      const wss = await login(page, 'w2', WSS, 'alice@localhost', null);
      expect(wss, wss.text).toMatchObject({ ok: true, mechanism: 'EXTERNAL' });
      await page.evaluate(() => Promise.all([h.disconnect('b'), h.disconnect('w2')]));
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

test('deployment path, refused certificates: an unknown CA ends the TLS handshake (CONNFAIL); an expired one is never presented (AUTHFAIL)', async ({ env, baseURL }) => {
  test.skip(!canWriteChromiumPolicies(), 'writing /etc/chromium/policies/managed needs root');
  const pki = certDir(env.certs.ca, env.certs.ca.replace(/\.crt$/, '.key'));
  const cases = [
    { id: 'rogue-alice', issuer: rogueCaName as string, jid: 'alice@localhost', status: CONNFAIL, condition: 'remote-connection-failed', text: BOSH_UNREACHABLE },
    // Chromium does not offer an expired certificate: the server sees none, and mod_auth_ccert refuses EXTERNAL
    { id: 'expired-certuser', issuer: caName as string, jid: 'certuser@cert.localhost', status: AUTHFAIL, condition: 'account-disabled', text: NOT_ACCEPTED },
  ];
  try {
    for (const c of cases) {
      const client = certs[c.id];
      if (!client) throw new Error(`no certificate "${c.id}" in env.json`);
      const home = nssHome(join(pki.path, c.id), client.p12, client.p12Password, env.certs.ca, caName as string);
      await withAutoSelectPolicy([{ pattern: ORIGIN, issuerCN: c.issuer }], async () => {
        const browser = await launchWithNssHome(home, test.info().project.use.launchOptions);
        try {
          const page = await (await browser.newContext({ baseURL, ignoreHTTPSErrors: true })).newPage();
          const errors = await openHarness(page);
          const res = await failedLogin(page, 'a', BOSH, c.jid, null, { credentials: 'include' });
          expect([c.id, res.status, res.condition]).toEqual([c.id, c.status, c.condition]);
          expect(res.text).toMatch(c.text);
          expect(errors).toEqual([]);
        } finally {
          await browser.close();
        }
      });
    }
  } finally {
    pki.remove();
  }
});

test.describe('examples/client-certificate', () => {
  test.use(presenting('certuser'));

  test('logs in passwordless with the defaults and shows the bound JID and EXTERNAL; over WSS too', async ({ page }) => {
    await buildExamples();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto('/built-examples/client-certificate/index.html');
    await expect(page.locator('#service')).toHaveValue('https://127.0.0.1:15281/http-bind');
    await expect(page.locator('#jid')).toHaveValue('cert.localhost');
    await page.click('#connect');
    await expect(page.locator('#status')).toHaveText('CONNECTED');
    await expect(page.locator('#bound')).toHaveText(/^certuser@cert\.localhost\/.+/);
    await expect(page.locator('#mechanism')).toHaveText('EXTERNAL');
    await page.click('#disconnect');
    await expect(page.locator('#status')).toHaveText(/^DISCONNECTED/);
    await page.fill('#service', WSS);
    await page.click('#connect');
    await expect(page.locator('#mechanism')).toHaveText('EXTERNAL');
    await page.click('#disconnect');
    await expect(page.locator('#status')).toHaveText(/^DISCONNECTED/);
    expect(errors).toEqual([]);
  });
});
