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
 * Cases that have not passed three runs in a row are declared as fixme, with the reason; E2E_SESSIONS_ALL=1 runs
 * them anyway, for whoever takes them up. What the runs showed (README, "Fault tests", has the numbers):
 * - Prosody WebSocket, resumption fails: passes (3 runs in a row).
 * - Prosody WebSocket, resume works: after r-a cuts the shared Prosody 13.0.1 refuses a <resume/> of a session it
 *   was holding with `<failed><item-not-found/></failed>` and no h (mod_smacks "unknown_session": the session left
 *   its registry; nothing at info level in prosody.log says why); the new session that follows never gets the
 *   last 200 of bob's messages (sent to the bare JID while the old session still held alice's resource), so the
 *   run stalls and 11 of the 20 cuts never fire.
 * - ejabberd WebSocket, resume works: after an r-a cut ejabberd 24.12 answers no <resume/> for ~16 s (ejabberd.log:
 *   "Cannot resume session for alice@ej.localhost: Session state copying timed out"); the client gives the
 *   attempt up after connectTimeout (15 s) and starts a new session, and bob's messages queued in the old one
 *   never reach it: the run stalls.
 * - ejabberd WebSocket, resumption fails: once the first session timed out on the extra ejabberd ("Timed out
 *   waiting for stream resumption", resend_on_timeout: if_offline), none of bob's next 200 messages reaches
 *   alice's new sessions (same resource, each replacing the last with conflict): the run stalls at 20/1000 in
 *   most runs (resend_on_timeout: true was tried: 1 run of 4 passed, the others stalled the same way).
 * - Prosody BOSH: Prosody 13.0.1 answers no <resume/> over BOSH: mod_smacks do_resume fails in
 *   sessionmanager.update_session ("attempt to index a nil value (field 'rawsend')", traceback in prosody.log);
 *   the client now gives that resume up after connectTimeout (15 s) and starts a new session, but bob's messages
 *   held by the crashed session never reach it: the run stalls (bob→alice 40/240).
 * - ejabberd BOSH: mod_bosh 24.12 mis-orders rids under load (README, env.ts), and resumed sessions were sent
 *   their whole queue again and again (10,000+ re-deliveries to alice).
 */
const FIXME: Record<string, string> = {
  'prosody ws resume': 'Prosody 13.0.1 refuses <resume/> with item-not-found after r-a cuts; bob→alice stalls',
  'ejabberd ws resume': 'ejabberd 24.12 leaves <resume/> unanswered ("Session state copying timed out"); stalls',
  'ejabberd ws fail': 'ejabberd 24.12: bob→alice stops reaching alice after her first session timed out',
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
