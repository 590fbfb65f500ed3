// SCRAM from an insecure-context page (no crypto.subtle): the @noble/hashes fallback logs in, never PLAIN.
import { chromium } from './support/chromium.js';
import { expect, openHarness, test } from './support/fixtures.js';

const port = Number(process.env.E2E_PAGE_PORT ?? 18080);

test.use({ launchOptions: chromium(['--host-resolver-rules=MAP chat.test 127.0.0.1']) });

test('http://chat.test page logs in with SCRAM through the fallback, not PLAIN', async ({ page, env }) => {
  const errors = await openHarness(page, `http://chat.test:${port}/`);
  const context = await page.evaluate(() => ({ secure: window.isSecureContext, subtle: typeof crypto.subtle }));
  expect(context).toEqual({ secure: false, subtle: 'undefined' });
  const res = await page.evaluate((ws) => h.login('i', ws, 'alice@localhost', 'alicepass'), env.prosody.websocket.ws);
  expect(res, res.text).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-256' });
  await page.evaluate(() => h.disconnect('i'));
  const sha1 = await page.evaluate((ws) => h.login('i', ws, 'alice@localhost', 'alicepass', { mechanisms: ['SCRAM-SHA-1'] }), env.prosody.websocket.ws);
  expect(sha1).toMatchObject({ ok: true, mechanism: 'SCRAM-SHA-1' });
  await page.evaluate(() => h.disconnect('i'));
  expect(errors).toEqual([]);
});
