// A case, drawn from (seed, index) alone: carrier, scenario, SASL mechanism, session options, the server's own
// traffic, and the mutations with the moments they strike.
import type { Carrier } from '../helpers/scripted-xmpp.js';
import type { PlannedOp, Trigger } from './mutator.js';
import type { Mech } from './fuzz-server.js';
import { mix, type Rng, rng } from './rng.js';

/** `login`: mutations during the login; `online`: in a live session with stream management; `reconnect`: in the resume after a cut. */
export type Scenario = 'login' | 'online' | 'reconnect';

export interface Plan {
  seed: number;
  index: number;
  carrier: Carrier;
  scenario: Scenario;
  mech: Mech;
  ops: PlannedOp[];
  /** What the server sends on its own once online. */
  online: string[];
  /** Stanzas the client sends once online. */
  sends: number;
  requestEvery: number;
  reconnect: boolean;
  heartbeat: boolean;
  /** Reconnect scenario: the server lost the session (resume fails, a new one begins). */
  forget: boolean;
  maxStanzaSize: number | undefined;
  pipelining: boolean;
  /** Debug hooks set (they see, redacted, every element). */
  hooks: boolean;
  /** SCRAM: log in with keys kept from an earlier login (no PBKDF2 unless the server changes salt or count). */
  scramKeys: boolean;
  /**
   * Once the case has played out and is still CONNECTED: rounds in which the server sends one more stanza of its
   * own (`unsolicited`) and the mutation strikes the next server output, whatever it is. A case whose planned
   * moments never came gets a first round with its first planned mutation.
   */
  rounds: { mutation: string; seed: number; unsolicited: string }[];
}

const W = <T>(items: [T, number][]): [T, number][] => items;

const TEXT_WEIGHTS = W([
  ['flip-char', 3], ['bit-flip', 2], ['truncate', 3], ['delete-range', 2], ['dup-range', 2], ['insert-token', 3], ['lone-surrogate', 1],
  ['quote-mix', 1], ['drop-tag', 2], ['drop-element', 3], ['dup-element', 2], ['swap-siblings', 1], ['rename-element', 2],
  ['rename-start-only', 1], ['undeclared-prefix', 1], ['nest-deep', 1], ['cdata', 1], ['entities', 2], ['huge-text', 0.5],
  ['many-attrs', 0.5], ['many-children', 0.5], ['attr-value', 4], ['hostile-h', 2], ['swap-attr-values', 1], ['swap-attr-names', 1],
  ['drop-attr', 2], ['dup-attr', 1], ['wrong-ns', 2],
]);

const FRAME_WEIGHTS = W([
  ['drop', 3], ['dup', 2], ['split', 2], ['merge-next', 1.5], ['swap-next', 1.5], ['inject-before', 2], ['inject-after', 2],
  ['replace', 2], ['binary', 0.5], ['invalid-utf8', 0.5], ['cut', 1.5], ['close', 1], ['stream-error', 1.5], ['delay', 1],
  ['stall', 1], ['stacked', 2],
]);

const BOSH_WEIGHTS = W([['http-status', 2], ['net-fail', 1.5], ['body-attr', 3]]);
const WS_WEIGHTS = W([['http-status', 0.3], ['net-fail', 0.3], ['body-attr', 0.5]]);

/** Moments: [trigger, first nth, last nth, weight]. */
type Moment = [Trigger, number, number, number];
const LOGIN: Moment[] = [['any', 0, 7, 4], ['open', 0, 1, 1], ['features', 0, 1, 3], ['challenge', 0, 1, 3], ['success', 0, 0, 2], ['bind', 0, 0, 2], ['enabled', 0, 0, 2]];
const ONLINE: Moment[] = [['message', 0, 3, 3], ['iq', 0, 3, 2], ['presence', 0, 1, 1], ['r', 0, 1, 2], ['ack', 0, 2, 3], ['enabled', 0, 0, 1], ['any', 5, 14, 3], ['empty', 0, 3, 1], ['close', 0, 0, 1]];
const RESUME: Moment[] = [['open', 0, 1, 1], ['features', 0, 1, 2], ['success', 0, 0, 1], ['challenge', 0, 1, 1], ['resumed', 0, 0, 4], ['sm-failed', 0, 0, 2], ['bind', 0, 0, 1], ['enabled', 0, 0, 1], ['message', 0, 2, 2], ['any', 0, 8, 3]];
const SM_TRIGGERS = new Set<Trigger>(['ack', 'resumed', 'sm-failed', 'enabled', 'r']);
const ONLINE_ITEMS = ['presence', 'chat', 'carbon', 'groupchat', 'ping', 'roster', 'disco', 'error', 'headline', 'stray', 'r', 'a'];
const UNSOLICITED = ONLINE_ITEMS.filter((k) => k !== 'r' && k !== 'a');

function mutation(r: Rng, carrier: Carrier, trigger: Trigger): string {
  if (SM_TRIGGERS.has(trigger) && r.chance(0.35)) return r.pick(['hostile-h', 'hostile-h', 'attr-value', 'drop-attr', 'wrong-ns']);
  return r.weighted([...TEXT_WEIGHTS, ...FRAME_WEIGHTS, ...(carrier === 'bosh' ? BOSH_WEIGHTS : WS_WEIGHTS)]);
}

function op(r: Rng, carrier: Carrier, epoch: number, moments: Moment[]): PlannedOp {
  const [trigger, lo, hi] = r.weighted(moments.map((m) => [m, m[3]] as const));
  return { epoch, trigger, nth: r.range(lo, hi), mutation: mutation(r, carrier, trigger), seed: r.seed() };
}

export function makePlan(seed: number, index: number): Plan {
  const r = rng(mix(seed, index));
  const carrier: Carrier = r.chance(0.5) ? 'websocket' : 'bosh';
  const scenario = r.weighted<Scenario>([['login', 0.4], ['online', 0.35], ['reconnect', 0.25]]);
  const mech = r.weighted<Mech>([['PLAIN', 0.7], ['SCRAM-SHA-1', 0.15], ['DIGEST-MD5', 0.15]]);
  const count = r.weighted([[1, 25], [2, 35], [3, 25], [4, 15]] as [number, number][]);
  const ops: PlannedOp[] = [];
  for (let i = 0; i < count; i++) {
    if (scenario === 'login') ops.push(op(r, carrier, 0, LOGIN));
    else if (scenario === 'online') ops.push(op(r, carrier, 0, r.chance(0.9) ? ONLINE : LOGIN));
    else ops.push(r.chance(0.8) ? op(r, carrier, r.chance(0.85) ? 1 : 2, RESUME) : op(r, carrier, 0, ONLINE));
  }
  const reconnect = scenario === 'reconnect' || r.chance(0.15);
  return {
    seed,
    index,
    carrier,
    scenario,
    mech,
    ops,
    online: Array.from({ length: r.range(2, 5) }, () => r.pick(ONLINE_ITEMS)),
    sends: r.range(0, 4),
    requestEvery: r.range(1, 5),
    reconnect,
    heartbeat: r.chance(reconnect ? 0.3 : 0.05),
    forget: scenario === 'reconnect' && r.chance(0.3),
    maxStanzaSize: r.chance(0.3) ? 65536 : undefined,
    pipelining: r.chance(0.85),
    hooks: r.chance(0.2),
    scramKeys: r.chance(0.7),
    rounds: Array.from({ length: r.weighted([[0, 30], [1, 35], [2, 25], [3, 10]] as [number, number][]) }, () => ({
      mutation: mutation(r, carrier, 'any'),
      seed: r.seed(),
      unsolicited: r.pick(UNSOLICITED),
    })),
  };
}
