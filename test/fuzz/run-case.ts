// One fuzz case: a full Connection against the fuzz server through the mutating wire, driven like an application
// would (sends, an IQ, acked(), a cut in the reconnect scenario), then checked: it ends CONNECTED or DISCONNECTED
// with a typed failure, in bounded time, throws nothing, leaves no promise unsettled and nothing running after.
import { ScramSha1, ScramSha256, ScramSha512 } from '../../mechanisms/scram.js';
import { ConnectionError, IqError } from '../../src/errors.js';
import { Connection } from '../../src/index.js';
import { Status, type StatusCode } from '../../src/status.js';
import { $iq, $msg } from '../../src/xml/builder.js';
import { mutatingDeliver, mutatingOptions } from './carriers.js';
import { Mutator } from './mutator.js';
import { checkEnd, checkOutcome, checkSettled, describeError, type Outcome, statusNames } from './checks.js';
import { NS } from './corpus.js';
import type { MutationEnv } from './frame-mutations.js';
import { FuzzServer } from './fuzz-server.js';
import type { Loss } from './known-defects.js';
import type { Plan } from './plan.js';
import { clientScramKeys, PASSWORD } from './sasl-server.js';

export const TIMING = {
  connectTimeout: 300,
  disconnectTimeout: 100,
  iqTimeout: 500,
  reconnect: { initialDelay: 5, maxDelay: 20, factor: 2, jitter: 0, maxAttempts: 2 },
  ping: 60,
  /** Nothing sent either way and no status for this long: the case has played out. */
  quiet: 30,
  /** From connect() to a final state at most (three logins, backoff, a slow event loop). */
  hang: 4000,
  /** disconnect() must resolve within this. */
  disconnect: 1000,
  /** After the end: time in which nothing more may happen. */
  grace: 40,
} as const;

export interface CaseResult {
  index: number;
  problems: string[];
  /** Symptoms of defects already found (known-defects.ts): counted, not failed. */
  known: string[];
  /** `STATUS:condition` per status, in order. */
  statuses: string[];
  online: boolean;
  /** Server outputs changed by a mutation. */
  mutated: number;
  applied: string[];
  transcript: string[];
  /** The longest the harness took to mutate one server output (ms); a stall check leaves it out. */
  mutatorMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SCRAM that refuses more than 65536 iterations: a mutated `i=` costs milliseconds, not seconds (the bound is tested elsewhere). */
function boundedScram(conn: Connection): void {
  for (const M of [ScramSha1, ScramSha256, ScramSha512]) {
    const m = new M();
    m.maxIterations = 65536;
    conn.registerSASLMechanism(m);
  }
}

/** `record`: keep a transcript of what the client was handed; `connectTimeout`: more room (the harness's own checks). */
export async function runCase(plan: Plan, record = false, connectTimeout: number = TIMING.connectTimeout): Promise<CaseResult> {
  const started = performance.now();
  const problems: string[] = [];
  const mutator: Mutator = new Mutator(plan.ops, (): MutationEnv => ({ carrier: plan.carrier, jid: server.jid, h: server.h }), record);
  const server: FuzzServer = new FuzzServer(plan.carrier, { mech: plan.mech, online: plan.online }, mutatingDeliver(mutator));
  const conn = new Connection(server.xmpp.service, {
    ...mutatingOptions(server, mutator),
    connectTimeout,
    disconnectTimeout: TIMING.disconnectTimeout,
    iqTimeout: TIMING.iqTimeout,
    streamManagement: { requestEvery: plan.requestEvery },
    reconnect: plan.reconnect ? TIMING.reconnect : false,
    pingInterval: plan.heartbeat ? TIMING.ping : 0,
    pingTimeout: TIMING.ping,
    maxStanzaSize: plan.maxStanzaSize,
    pipelining: plan.pipelining,
    onError: (e, where) => problems.push(`reported by the library (${where}): ${describeError(e)}`),
  });
  boundedScram(conn);
  if (plan.hooks) {
    conn.xmlInput = () => {};
    conn.xmlOutput = () => {};
    conn.rawInput = () => {};
    conn.rawOutput = () => {};
  }

  const statuses: [StatusCode, string | undefined][] = [];
  let changed = started;
  let online = false;
  let driving: Promise<void> | undefined;
  let driven = true;
  /** Application promises not settled yet, by what returned them. */
  const pending = new Map<Promise<unknown>, string>();
  /** An application promise: it must settle, and reject only with the SDK's typed errors. */
  const track = (p: Promise<unknown>, what: string) => {
    const t: Promise<unknown> = p.then(
      () => pending.delete(t),
      (e: unknown) => {
        pending.delete(t);
        if (!(e instanceof IqError || e instanceof ConnectionError)) problems.push(`${what} rejected with ${describeError(e)}`);
      },
    );
    pending.set(t, what);
  };
  /** Stream management as it stood at each loss (RECONNECTING). */
  const losses: Loss[] = [];
  /** An application call: it may throw only a ConnectionError. */
  const call = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof ConnectionError)) problems.push(`${what} threw ${describeError(e)}`);
    }
  };
  const drive = async () => {
    const msgs = Array.from({ length: plan.sends }, (_, i) => $msg({ to: 'echo@example.org', type: 'chat', id: `c${i}` }).c('body').t(`m${i}`).tree());
    for (const m of msgs) call('send()', () => conn.send(m));
    const last = msgs[msgs.length - 1];
    if (last) track(conn.acked(last), 'acked()');
    call('sendIQ()', () => track(conn.sendIQ($iq({ type: 'get', to: 'example.org' }).c('ping', { xmlns: NS.ping })), 'sendIQ()'));
    if (plan.scenario !== 'reconnect') return;
    for (let i = 0; i < 6 && !conn.sm?.enabled; i++) await sleep(5);
    if (plan.forget) server.forgetSessions();
    server.xmpp.cut();
    await sleep(2);
    call('send() while away', () => conn.send($msg({ to: 'echo@example.org', type: 'chat', id: 'away' }).c('body').t('away')));
  };

  let outcome: Outcome = 'pending';
  conn
    .connect('user@example.org', plan.mech === 'SCRAM-SHA-1' && plan.scramKeys ? { password: PASSWORD, scramKeys: clientScramKeys() } : PASSWORD, (status, condition) => {
      statuses.push([status, condition]);
      changed = performance.now();
      if (status === Status.RECONNECTING) losses.push({ resumable: conn.sm?.enabled === true && conn.sm.id !== undefined, unacked: conn.sm?.unacked ?? 0 });
      if (status === Status.CONNECTED && !online) {
        online = true;
        driven = false;
        driving = drive().finally(() => (driven = true));
      }
    })
    .then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = { error }),
    );

  // a longer connectTimeout (the harness's own checks) moves the bound by as much, for each of three logins
  const deadline = started + TIMING.hang + 3 * (connectTimeout - TIMING.connectTimeout);
  /** Waits for a final state, played out; false when there was none in time. */
  const settle = async (): Promise<boolean> => {
    for (;;) {
      await sleep(10);
      const now = performance.now();
      const last = statuses[statuses.length - 1]?.[0];
      const quiet = now - Math.max(changed, mutator.lastOutput, server.lastInput) >= TIMING.quiet;
      if ((last === Status.CONNECTED || last === Status.DISCONNECTED) && outcome !== 'pending' && driven && quiet) return true;
      if (now > deadline) return false;
    }
  };
  let settled = await settle();
  const first = plan.ops[0];
  const unsolicited = plan.rounds[0]?.unsolicited ?? 'chat';
  // none of the planned moments came: the first mutation strikes the next server output instead
  const rounds = [...(mutator.mutated === 0 && first ? [{ ...first, unsolicited }] : []), ...plan.rounds];
  for (const round of rounds) {
    if (!settled || statuses[statuses.length - 1]?.[0] !== Status.CONNECTED) break;
    mutator.force(round);
    server.unsolicited(round.unsolicited);
    settled = await settle();
  }
  if (!settled) problems.push(`hang: no final state after ${TIMING.hang} ms`);
  await driving;
  if (statuses[statuses.length - 1]?.[0] === Status.CONNECTED) {
    const closed = await Promise.race([conn.disconnect().then(() => true), sleep(TIMING.disconnect).then(() => false)]);
    if (!closed) problems.push(`hang: disconnect() unresolved after ${TIMING.disconnect} ms`);
  }
  const ended = statuses.length;
  const wire = server.xmpp.wire.length;
  await sleep(TIMING.grace);

  checkOutcome(outcome, online, problems);
  const names = statusNames(statuses);
  checkEnd(names, ended, { atEnd: wire, now: server.xmpp.wire.length }, conn, problems);
  const known = checkSettled(pending.values(), losses, names, problems);
  return { index: plan.index, problems, known, statuses: names, online, mutated: mutator.mutated, applied: mutator.applied, transcript: mutator.transcript, mutatorMs: mutator.longestMs };
}
