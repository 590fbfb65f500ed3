// The example pages, built with vite, used as a person would: the chat demo (and its reconnect) and the custom
// mechanism.
import { buildExamples } from './support/build-examples.js';
import { Cutter } from './support/cutter.js';
import { expect, test } from './support/fixtures.js';
import { leaked, saslPayloads, secretsOf } from './support/sasl-secrets.js';
import { captureWire } from './support/wire.js';
import { startWsCutProxy } from './support/ws-cut-proxy.js';

test.beforeAll(async () => {
  await buildExamples();
});

test('custom mechanism written in TypeScript logs in (examples/custom-mechanism)', async ({ page, env }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto('/built-examples/custom-mechanism/index.html');
  await page.fill('#service', env.prosody.websocket.ws);
  await page.fill('#jid', 'alice@localhost');
  await page.fill('#password', 'alicepass');
  await page.click('button');
  await expect(page.locator('#out')).toHaveText(/^logged in as alice@localhost\/\S+ with PLAIN/);
  expect(errors).toEqual([]);
});

test('chat demo: log in, roster loads, a message to oneself arrives, disconnect; no SASL payload in its log', async ({ page, env }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const wire = captureWire(page);
  await page.goto(`/built-examples/chat/index.html?service=${encodeURIComponent(env.prosody.websocket.ws)}&jid=bob@localhost`);
  await page.fill('#password', 'bobpass');
  await page.selectOption('#mechanism', 'SCRAM-SHA-1');
  await page.click('#connect');
  await expect(page.locator('#status')).toHaveText('CONNECTED');
  await expect(page.locator('#log')).toContainText('with SCRAM-SHA-1');
  await expect(page.locator('#log')).toContainText('[redacted]');
  await page.fill('#to', 'bob@localhost');
  await page.fill('#body', 'hello me');
  await page.click('#compose button');
  // messages kept offline for bob by earlier runs may be shown too
  await expect(page.locator('#messages .in').filter({ hasText: 'hello me' }).first()).toBeVisible();
  await page.click('#disconnect');
  await expect(page.locator('#status')).toHaveText('DISCONNECTED');
  // what the SCRAM exchange really sent and received, against everything the demo logged
  await wire.settle();
  const secrets = secretsOf(saslPayloads(wire.texts), ['bobpass']);
  expect(secrets.map((x) => x.what)).toEqual(expect.arrayContaining(['<auth> payload', 'SCRAM client proof p=', 'SCRAM server signature v=']));
  expect(leaked((await page.locator('#log').textContent()) ?? '', secrets)).toEqual([]);
  expect(errors).toEqual([]);
});

test('chat demo: a cut connection shows "reconnecting…", then it is online again (resumed)', async ({ page, env }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const proxy = await startWsCutProxy(env.prosody.websocket.ws, new Cutter([], { tag: 'none' }));
  try {
    await page.goto(`/built-examples/chat/index.html?service=${encodeURIComponent(proxy.url)}&jid=dave@localhost`);
    await page.fill('#password', 'davepass');
    // dave (not bob: the demo test beside it may run at the same time) — dave@localhost's SCRAM salt changes at each login (plain storage): a re-login with the saved SCRAM keys
    // would fail; PLAIN logs in again
    await page.selectOption('#mechanism', 'PLAIN');
    await page.click('#connect');
    await expect(page.locator('#status')).toHaveText('CONNECTED');
    // XEP-0198 enabled (the <enabled/> is in the log): the session can be resumed
    await expect(page.locator('#log')).toContainText('<enabled');
    // the network goes away for a while
    proxy.cutter.block(2000);
    proxy.cut();
    await expect(page.locator('#status')).toHaveText(/^reconnecting… \(/);
    await expect(page.locator('#status')).toHaveClass('reconnecting');
    await expect(page.locator('#status')).toHaveText('CONNECTED (resumed)', { timeout: 20_000 });
    await page.fill('#to', 'dave@localhost');
    await page.fill('#body', 'after the cut');
    await page.click('#compose button');
    await expect(page.locator('#messages .in').filter({ hasText: 'after the cut' }).first()).toBeVisible();
    await page.click('#disconnect');
    await expect(page.locator('#status')).toHaveText('DISCONNECTED');
  } finally {
    await proxy.close();
  }
  expect(errors).toEqual([]);
});
