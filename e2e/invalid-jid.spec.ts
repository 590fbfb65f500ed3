// A JID RFC 7622 refuses fails CONNFAIL (ATTACHFAIL for attach) improper-addressing before any network traffic:
// no WebSocket opened, no BOSH request sent, and the error does not echo a huge input back.
import { endpoint } from './support/env.js';
import { expect, test } from './support/fixtures.js';
import { captureWire } from './support/wire.js';

// built in the page from these parts (`\0` written as a marker, so no control character crosses the protocol)
const INVALID = [
  { what: 'a 5,000-character local part', local: 'a'.repeat(5000), resource: 'r' },
  { what: 'NUL in the resource', local: 'alice', resource: 'res<NUL>ource' },
  { what: 'U+FFFE in the resource', local: 'alice', resource: 'res\uFFFEource' },
  { what: 'a 1,024-byte resource', local: 'alice', resource: 'é'.repeat(512) },
];

for (const scheme of ['ws', 'http'] as const) {
  for (const c of INVALID) {
    test(`${scheme === 'ws' ? 'WebSocket' : 'BOSH'}: ${c.what} is CONNFAIL improper-addressing with nothing sent`, async ({ harness, env }) => {
      const wire = captureWire(harness);
      const res = await harness.evaluate(
        (x) => h.login('j', x.service, `${x.local}@localhost/${x.resource.replace('<NUL>', '\0')}`, 'alicepass'),
        { service: endpoint(env, 'prosody', scheme), local: c.local, resource: c.resource },
      );
      expect(res).toMatchObject({ ok: false, status: 2, condition: 'improper-addressing', name: 'ConnectionError' });
      expect(res.statuses).toEqual(['CONNFAIL:improper-addressing', 'DISCONNECTED:improper-addressing']);
      expect(res.text?.length).toBeLessThan(200);
      await harness.waitForTimeout(200); // anything sent late would show up here
      expect(wire.sockets).toEqual([]);
      expect(wire.posts).toEqual([]);
    });
  }
}

test('attach() with NUL in the resource is ATTACHFAIL improper-addressing with nothing sent', async ({ harness, env }) => {
  const wire = captureWire(harness);
  const res = await harness.evaluate((service) => h.attach('a', service, 'alice@localhost/a\0b', 'sid', 12345), env.prosody.bosh.http);
  expect(res).toMatchObject({ ok: false, status: 12, condition: 'improper-addressing' });
  await harness.waitForTimeout(200);
  expect(wire.posts).toEqual([]);
});
