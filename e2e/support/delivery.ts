// One delivery run: alice in Chromium behind a cutting proxy (reconnect + stream management), bob connected
// directly from Node; 1,000 messages each way while the proxy cuts 20 times, then who got what, how often, in
// which order.
import type { Page } from 'playwright/test';
import WebSocket from 'ws';
import { $msg, $pres, Connection, type XmlElement } from '../../src/index.js';
import { startBoshCutProxy } from './bosh-cut-proxy.js';
import { CUT_SEED, type OnlineCut, type PlanSpec, planCuts, prng, seedFor, tally } from './cut-plan.js';
import { Cutter } from './cutter.js';
import type { ServerName } from './env.js';
import { uniq } from './fixtures.js';
import { type CutProxy, startWsCutProxy } from './ws-cut-proxy.js';

export const MESSAGES = 1000;
export const CUTS = 20;
const BURST = 20;
/** Most messages in flight per direction: well under the client's and the servers' queue limits (500). */
const WINDOW = 200;
const BOSH_WAIT = 10;

export interface Target {
  server: ServerName;
  label: string;
  /** Bare JIDs; alice's password is `alicepass`, bob's `bobpass`. */
  alice: string;
  bob: string;
  websocket: string;
  bosh: string;
  /** The SASL mechanisms alice may use (default: the library's choice). */
  mechanisms?: string[];
}

export interface DeliveryCase {
  target: Target;
  transport: 'ws' | 'bosh';
  /** `fail`: every resumption fails (unknown session, or one the server gave up while the proxy kept the client away). */
  mode: 'resume' | 'fail';
}

/** What one direction delivered: distinct, duplicated, late (first seen after a later one), never, re-delivered. */
export interface Delivery {
  unique: number;
  dups: string[];
  late: string[];
  lost: number;
  /** Arrivals the server re-delivered (with a delay stamp), duplicates included. */
  delayed: number;
  /** Distinct ids in order of first arrival, for the in-order check. */
  firsts: number[];
  /** Delayed ids (without the mark). */
  delayedIds: Set<string>;
}

export function analyse(prefix: string, got: readonly string[]): Delivery {
  const seen = new Set<string>();
  const d: Delivery = { unique: 0, dups: [], late: [], lost: 0, delayed: 0, firsts: [], delayedIds: new Set() };
  let max = -1;
  for (const raw of got) {
    const delayed = raw.endsWith('*');
    const id = delayed ? raw.slice(0, -1) : raw;
    if (delayed) {
      d.delayed++;
      d.delayedIds.add(id);
    }
    if (seen.has(id)) {
      d.dups.push(id);
      continue;
    }
    seen.add(id);
    const i = Number(id.slice(prefix.length));
    d.firsts.push(i);
    if (i < max) d.late.push(id);
    max = Math.max(max, i);
  }
  d.unique = seen.size;
  d.lost = MESSAGES - seen.size;
  return d;
}

/**
 * The cuts a run makes. Not `half-up` on Prosody's WebSocket when resumption should work: Prosody 13 keeps the
 * half frame of the dropped connection and reads the resumed connection's first frame as its rest, so it ends the
 * resumed session with not-well-formed (its defect).
 */
function planSpec(c: DeliveryCase): PlanSpec {
  const online: OnlineCut[] = ['reset', 'half-up', 'half-down', 'r-a', ...(c.transport === 'ws' ? (['silent'] as const) : [])];
  if (c.transport === 'ws' && c.mode === 'resume' && c.target.server === 'prosody') online.splice(online.indexOf('half-up'), 1);
  // Prosody 13: after silent cuts (the dead connection stays open on its side) a later <resume/> of the session
  // was refused with item-not-found in some runs; not investigated to the end, so its plans leave them out
  if (c.target.server === 'prosody' && online.includes('silent')) online.splice(online.indexOf('silent'), 1);
  const setup = c.mode === 'resume' ? (['sasl', 'resume'] as const) : (['sasl', 'bind', 'resume'] as const);
  return { cuts: CUTS, from: 30, to: 1000, online, setup, expire: c.mode === 'fail' ? (c.transport === 'ws' ? 3 : 2) : 0 };
}

/** The client side: reconnect at once and often; on WebSocket a silent cut is found within 1.3 s. */
function aliceOptions(c: DeliveryCase): Record<string, unknown> {
  const base = {
    reconnect: { initialDelay: 50, maxDelay: 400 },
    connectTimeout: 15_000,
    pingInterval: 300,
    pingTimeout: 1000,
    ...(c.target.mechanisms ? { mechanisms: c.target.mechanisms } : {}),
  };
  if (c.transport === 'ws') return base;
  // a small wait: a request ejabberd strands is given up after wait + 3 s
  const minSpacing = c.target.server === 'ejabberd' ? 50 : 10;
  return { ...base, wait: BOSH_WAIT, maxRetries: 1, boshTiming: { baseDelay: 50, maxDelay: 200, setupMaxDelay: 200, timeoutMargin: 3, minSpacing } };
}

export interface RunResult {
  label: string;
  seed: number;
  a: Delivery;
  b: Delivery;
  cutter: Cutter;
  proxy: CutProxy & { stranded?: { rid: string; conn: number }[] };
  statuses: PageStatus[];
  ms: number;
  /** Warnings and errors the library logged on the page. */
  problems: string[];
  /** What the run looked like when deliveries stopped short. */
  stalled?: unknown;
}

/** Runs one case on `page` (the harness page with e2e/pages/sessions.js loaded). */
export async function runDelivery(page: Page, c: DeliveryCase): Promise<RunResult> {
  const label = `${c.target.label} ${c.transport === 'ws' ? 'WebSocket' : 'BOSH'}, resume ${c.mode === 'resume' ? 'works' : 'fails'}`;
  const seed = seedFor(label);
  const tag = uniq('d').replace(/-/g, '');
  const spec = planSpec(c);
  const cutter = new Cutter(planCuts(prng(seed), spec), {
    tag,
    failResume: c.mode === 'fail',
    // past the server giving the session up: 2 s after it noticed (BOSH: after 3 s without requests)
    expireMs: c.transport === 'ws' ? 3500 : 7000,
  });
  const direct = c.transport === 'ws' ? c.target.websocket : c.target.bosh;
  const proxy = c.transport === 'ws' ? await startWsCutProxy(direct, cutter) : await startBoshCutProxy(direct, cutter, BOSH_WAIT);
  const bob = new Connection(c.target.websocket, { WebSocket: WebSocket as never });
  const t0 = Date.now();
  try {
    const bobGot = new Set<string>();
    await bob.connect(`${c.target.bob}/${uniq('bob')}`, 'bobpass');
    const bobSeen: string[] = [];
    bob.addHandler((m: XmlElement) => {
      const id = m.attrs.id ?? '';
      if (!id.startsWith(`${tag}a`)) return true;
      bobGot.add(id);
      bobSeen.push(m.getChild('delay', 'urn:xmpp:delay') ? `${id}*` : id);
      return true;
    }, null, 'message');
    // what the server kept offline for alice comes with her presence: none from earlier runs
    await drainOffline(c.target.websocket, c.target.alice);
    const login = await page.evaluate((x) => S.login('a', x.url, `${x.alice}/${x.res}`, 'alicepass', x.options, x.tag, x.presence), {
      presence: true,
      url: proxy.url,
      alice: c.target.alice,
      res: uniq('alice'),
      options: aliceOptions(c),
      tag,
    });
    if (!login.ok || !login.jid) throw new Error(`alice could not log in: ${login.condition}`);
    // to the bare JID, as a chat partner writes: after a new session (another resource, or the same one while the
    // old session still hibernates) the message reaches whichever of alice's sessions is available
    const aliceJid = login.jid.replace(/\/.*$/, '');
    let sentA = 0;
    let sentB = 0;
    let gotA = 0;
    // flow control: each sender stays less than a window ahead of its receiver; a run that stops moving for 20 s
    // ends there and reports what got lost
    let stalled: unknown;
    for (let last = -1, since = Date.now(); bobGot.size < MESSAGES || gotA < MESSAGES; ) {
      const nA = sentA - bobGot.size < WINDOW ? Math.min(BURST, MESSAGES - sentA) : 0;
      const [went, got] = await page.evaluate((x) => S.burst('a', x.to, x.prefix, x.from, x.n), { to: bob.jid, prefix: `${tag}a`, from: sentA, n: nA });
      sentA += went;
      gotA = got;
      const nB = sentB - gotA < WINDOW && (bob.sm?.unacked ?? 0) < WINDOW ? Math.min(BURST, MESSAGES - sentB) : 0;
      for (let i = sentB; i < sentB + nB; i++) bob.send($msg({ to: aliceJid, type: 'chat', id: `${tag}b${i}` }).c('body').t(String(i)));
      sentB += nB;
      const progress = sentA + sentB + bobGot.size + gotA;
      if (progress !== last) [last, since] = [progress, Date.now()];
      else if (Date.now() - since > 20_000) {
        stalled = await stallReport(page, cutter, { sentA, atBob: bobGot.size, sentB, atAlice: gotA });
        break;
      }
      if (went === 0 && nB === 0) await new Promise((r) => setTimeout(r, 25));
    }
    // a cut near the end of the traffic may leave alice reconnecting: she is given the time to come back
    for (const end = Date.now() + 15_000; !stalled && Date.now() < end; ) {
      if ((await page.evaluate(() => S.statuses('a').at(-1)?.name)) === 'CONNECTED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // late duplicates (re-delivered by a server) get a moment to arrive
    await new Promise((r) => setTimeout(r, 1000));
    if (process.env.E2E_VERBOSE && !stalled) stalled = await stallReport(page, cutter, { sentA, atBob: bobGot.size, sentB, atAlice: gotA });
    const report = await page.evaluate(() => S.report('a'));
    return {
      label,
      seed,
      a: analyse(`${tag}a`, bobSeen),
      b: analyse(`${tag}b`, report.got),
      cutter,
      proxy,
      statuses: report.statuses,
      problems: report.problems,
      ms: Date.now() - t0,
      stalled,
    };
  } finally {
    await page.evaluate(() => S.disconnect('a')).catch(() => undefined);
    await bob.disconnect().catch(() => undefined);
    await proxy.close();
  }
}

/** Takes what the server kept offline for `jid` (from earlier runs), so that it does not flood the next session. */
async function drainOffline(url: string, jid: string): Promise<void> {
  const conn = new Connection(url, { WebSocket: WebSocket as never });
  await conn.connect(`${jid}/${uniq('drain')}`, 'alicepass');
  conn.send($pres());
  await new Promise((r) => setTimeout(r, 1000));
  await conn.disconnect();
}

/** Where a run stood when it stopped moving: counts, cuts, each proxied connection's trace, alice's state. */
async function stallReport(page: Page, cutter: Cutter, counts: Record<string, number>): Promise<unknown> {
  const { got, ...alice } = await page.evaluate(() => S.report('a'));
  const conns = cutter.conns.map((x) => `${x.index}:${x.resume ?? '-'}:${x.up.length}${x.silent ? ':silent' : ''} ${x.answer ?? ''} ${x.trace.join(' ')}`);
  return { ...counts, fired: cutter.fired, conns, alice, lastGot: got.slice(-3) };
}

/** The reconnects alice went through, by how each ended. */
export function reconnects(statuses: readonly PageStatus[]): { losses: number; resumed: number; newSession: number; conditions: string } {
  const online = statuses.filter((s) => s.name === 'CONNECTED').slice(1);
  const losses = statuses.filter((s, i) => s.name === 'RECONNECTING' && statuses[i - 1]?.name !== 'RECONNECTING').length;
  return {
    losses,
    resumed: online.filter((s) => s.condition === 'resumed').length,
    newSession: online.filter((s) => s.condition === 'new-session').length,
    conditions: tally(statuses.filter((s) => s.name === 'RECONNECTING').map((s) => s.condition ?? '?')),
  };
}

/** Duplicates of alice's messages by what the server said about the session they were sent again on. */
export function attribute(cutter: Cutter, dups: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const id of dups) {
    const last = [...cutter.conns].reverse().find((c) => c.up.includes(id));
    const how = last?.resume ?? (last && last.index > 0 ? 'no-resume' : 'first');
    out[how] = (out[how] ?? 0) + 1;
  }
  return out;
}

/** One line per run for the report. */
export function summary(r: RunResult): string {
  const rc = reconnects(r.statuses);
  const outcomes = tally(r.cutter.conns.slice(1).map((c) => c.resume ?? 'no-resume'));
  const dir = (d: Delivery) => `${d.unique}/${MESSAGES} (${d.dups.length} dup, ${d.late.length} late, ${d.delayed} re-delivered)`;
  return [
    `[sessions] ${r.label}: seed ${CUT_SEED.toString(16)}/${r.seed.toString(16)}`,
    `${r.cutter.fired.length} cuts (${tally(r.cutter.fired.map((f) => f.kind))})${r.cutter.pending ? `, ${r.cutter.pending} not fired (${r.cutter.waiting})` : ''}`,
    `alice→bob ${dir(r.a)}`,
    `bob→alice ${dir(r.b)}`,
    `${rc.losses} losses (${rc.conditions}), back: ${rc.resumed} resumed, ${rc.newSession} new-session`,
    `${r.cutter.conns.length} proxied connections (${outcomes}), ${r.cutter.refused} refused`,
    ...(r.proxy.stranded ? [`${r.proxy.stranded.length} BOSH requests stranded`] : []),
    `${(r.ms / 1000).toFixed(1)} s`,
    ...(r.problems.length ? [`problems: ${r.problems.slice(0, 3).join(' | ')}`] : []),
    ...(r.stalled ? [`stalled: ${JSON.stringify(r.stalled)}`] : []),
  ].join('; ');
}
