// Sessions that survive the network: 1,000 messages each way between alice (Chromium, behind a proxy that cuts
// the connection 20 times at seeded points) and bob (direct), on Prosody and ejabberd, WebSocket and BOSH.
// Resumption working (the shared servers): every message exactly once, in order. Resumption failing (the extra
// servers of e2e/servers/sessions.sh, which give a lost session up after 2 s): nothing lost; alice's messages come
// twice only when the server could not say what it had (no h), and the run counts them.
import type { Page } from 'playwright/test';
import { analyse, attribute, CUTS, type DeliveryCase, reconnects, type RunResult, runDelivery, summary, type Target } from './support/delivery.js';
import { type E2eEnv, server } from './support/env.js';
import { expect, test } from './support/fixtures.js';
import { EJABBERD, forBoshServers, PROSODY, type ServerCase } from './support/servers.js';
import { sessionServer } from './support/session-servers.js';

/**
 * The shared servers (resumption works) or the extra ones (short timeouts, resumption made to fail). A reconnect
 * logs in again with the SCRAM keys of the first login: alice's account must keep its salt (Prosody's
 * hashed.localhost, the extra servers); on the shared ejabberd (plain storage, a new salt per login) she uses
 * PLAIN, SCRAM there needs stored keys (the extra servers).
 */
async function target(env: E2eEnv, s: ServerCase, mode: DeliveryCase['mode']): Promise<Target> {
  if (mode === 'fail') {
    const x = await sessionServer(s.server, 'sm');
    return { server: s.server, label: s.name, alice: `alice@${x.domain}`, bob: `bob@${x.domain}`, websocket: x.websocket, bosh: x.bosh };
  }
  const e = server(env, s.server);
  const alice = s.server === 'prosody' ? 'alice@hashed.localhost' : `alice@${s.domain}`;
  const mechanisms = s.server === 'prosody' ? undefined : ['PLAIN'];
  return { server: s.server, label: s.name, alice, bob: `bob@${s.domain}`, websocket: e.websocket.ws, bosh: e.bosh.http, mechanisms };
}

async function run(page: Page, c: DeliveryCase): Promise<RunResult> {
  await page.evaluate(() => import('/sessions.js' as string));
  const r = await runDelivery(page, c);
  console.log(summary(r));
  return r;
}

function check(r: RunResult, mode: DeliveryCase['mode']): void {
  const rc = reconnects(r.statuses);
  expect(r.cutter.fired.length, 'every planned cut fired').toBe(CUTS);
  expect(r.statuses.at(-1)?.name, 'online at the end').toBe('CONNECTED');
  expect(r.a.lost, 'alice→bob lost').toBe(0);
  expect(r.b.lost, 'bob→alice lost').toBe(0);
  // alice sends what the server did not acknowledge again, oldest first: first arrivals stay in order
  expect(r.a.late, 'alice→bob out of order').toEqual([]);
  if (mode === 'resume') {
    expect(r.a.dups, 'alice→bob twice').toEqual([]);
    expect(r.b.dups, 'bob→alice twice').toEqual([]);
    expect(r.b.late, 'bob→alice out of order').toEqual([]);
    expect(rc.newSession, 'reconnects that did not resume').toBe(0);
    return;
  }
  expect(rc.newSession, 'new sessions').toBeGreaterThan(0);
  // a duplicate only where the server gave no h: never after <resumed h/> or <failed h/>
  const by = attribute(r.cutter, r.a.dups);
  expect({ resumed: by.resumed ?? 0, 'failed-h': by['failed-h'] ?? 0, first: by.first ?? 0 }).toEqual({ resumed: 0, 'failed-h': 0, first: 0 });
  // what alice got late or twice, the server re-delivered (offline storage, resend on timeout): it says so
  expect(r.b.late.filter((id) => !r.b.delayedIds.has(id)), 'bob→alice late without a delay stamp').toEqual([]);
  expect(r.b.dups.filter((id) => !r.b.delayedIds.has(id)), 'bob→alice twice without a delay stamp').toEqual([]);
}

const MODES: DeliveryCase['mode'][] = ['resume', 'fail'];

/**
 * None of the eight cases passes three runs in a row yet, so all are declared as fixme (listed in the report with
 * the reason); E2E_SESSIONS_ALL=1 runs them anyway, for whoever takes them up. What the runs showed (README,
 * "Fault tests", has the numbers):
 * - every case: now and then fewer than 20 cuts fire before the traffic ends (a cut waits for its kind of unit on
 *   a session that is up), and in some runs bob's messages to alice stop arriving after a new session (the run
 *   stalls); alice→bob never lost a message in any run.
 * - Prosody WebSocket, resume: a <resume/> is refused now and then (item-not-found) after resumed cuts, so a
 *   new session follows where none should.
 * - Prosody BOSH: Prosody 13.0.1 answers no <resume/> over BOSH: mod_smacks do_resume fails in
 *   sessionmanager.update_session ("attempt to index a nil value (field 'rawsend')", traceback in prosody.log);
 *   the client waits out connectTimeout and tries again, forever.
 * - ejabberd BOSH: mod_bosh 24.12 mis-orders rids under load (README, env.ts), and resumed sessions were sent
 *   their whole queue again and again (10,000+ re-deliveries to alice).
 */
const STALLS = 'cuts left unfired or bob→alice stalled in some runs';
const FIXME: Record<string, string> = {
  'prosody ws resume': `${STALLS}; resume refused mid-run (item-not-found)`,
  'prosody ws fail': STALLS,
  'ejabberd ws resume': STALLS,
  'ejabberd ws fail': STALLS,
  'prosody bosh resume': 'Prosody 13.0.1 BOSH: mod_smacks crashes on <resume/> (rawsend nil)',
  'prosody bosh fail': 'Prosody 13.0.1 BOSH: mod_smacks crashes on <resume/> (rawsend nil); run stalls',
  'ejabberd bosh resume': 'ejabberd 24.12 mod_bosh: rid mis-ordering under load, whole-queue re-deliveries',
  'ejabberd bosh fail': 'ejabberd 24.12 mod_bosh: rid mis-ordering under load, whole-queue re-deliveries',
};

function declare(s: ServerCase, transport: DeliveryCase['transport'], mode: DeliveryCase['mode']): void {
  const title = `${s.name}: 1,000 messages each way, ${CUTS} cuts, resumption ${mode === 'resume' ? 'works' : 'fails'}`;
  const why = process.env.E2E_SESSIONS_ALL ? undefined : FIXME[`${s.server} ${transport} ${mode}`];
  const body = async ({ harness, env }: { harness: Page; env: E2eEnv }) => {
    test.setTimeout(transport === 'ws' ? 120_000 : 180_000);
    const r = await run(harness, { target: await target(env, s, mode), transport, mode });
    check(r, mode);
  };
  if (why) test.fixme(`${title} (${why})`, body);
  else test(title, body);
}

test.describe('delivery through cuts, WebSocket', () => {
  for (const s of [PROSODY, EJABBERD]) for (const mode of MODES) declare(s, 'ws', mode);
});

test.describe('delivery through cuts, BOSH', () => {
  forBoshServers((s) => {
    for (const mode of MODES) declare(s, 'bosh', mode);
  });
});

test('delivery analysis: duplicates, late arrivals and re-deliveries are told apart', () => {
  const d = analyse('x', ['x0', 'x1', 'x3', 'x1', 'x2*', 'x4']);
  expect({ unique: d.unique, dups: d.dups, late: d.late, delayed: d.delayed }).toEqual({ unique: 5, dups: ['x1'], late: ['x2'], delayed: 1 });
});
