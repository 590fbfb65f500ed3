// The Mutator: at each server output it finds the planned mutations whose moment has come (the nth output of an
// epoch, one carrier connection, that matches a trigger) and applies them; it counts and can record what it did.
import { applyMutation, type Delivery, type MutationEnv, type Payload } from './frame-mutations.js';
import { rng } from './rng.js';

/** When a mutation applies: the `nth` (0-based) server output of its epoch (carrier) that matches `trigger`. */
export interface PlannedOp {
  epoch: number;
  trigger: Trigger;
  nth: number;
  mutation: string;
  seed: number;
}

interface Unit {
  text: string;
  /** The stream (re)opens with it: `<open/>`, or the answer to BOSH session creation or restart. */
  open: boolean;
}

const has = (re: RegExp) => (u: Unit) => re.test(u.text);

/** What a server output is, as the plan names the moments. */
export const TRIGGERS = {
  any: () => true,
  open: (u: Unit) => u.open,
  features: has(/<stream:features/),
  challenge: has(/<challenge /),
  success: has(/<success /),
  bind: has(/<jid>/),
  enabled: has(/<enabled /),
  resumed: has(/<resumed /),
  'sm-failed': has(/<failed xmlns='urn:xmpp:sm:3'/),
  ack: has(/<a xmlns='urn:xmpp:sm:3'/),
  r: has(/<r xmlns='urn:xmpp:sm:3'/),
  message: has(/<message /),
  iq: has(/<iq /),
  presence: has(/<presence /),
  close: has(/<close |type='terminate'/),
  empty: has(/^<body [^>]*\/>$/),
} as const;
export type Trigger = keyof typeof TRIGGERS;
const TRIGGER_NAMES = Object.keys(TRIGGERS) as Trigger[];

/** Applies the planned mutations, counts what it changed, and keeps a transcript when asked (replays). */
export class Mutator {
  epoch = -1;
  outputs = 0;
  /** Outputs a mutation changed. */
  mutated = 0;
  /** When the server last sent anything (performance.now()). */
  lastOutput = 0;
  /** The longest time one output took to mutate (ms): the harness's own work, not the library's. */
  longestMs = 0;
  /** `e<epoch> <trigger>#<nth> <mutation>` for every mutation applied. */
  readonly applied: string[] = [];
  /** With `record`: what the client was handed, per output. */
  readonly transcript: string[] = [];
  readonly #counts = new Map<Trigger, number>();
  #forced: Pick<PlannedOp, 'mutation' | 'seed'> | undefined;

  constructor(
    readonly ops: readonly PlannedOp[],
    readonly env: () => MutationEnv,
    readonly record = false,
  ) {}

  /** The next output gets `op`, whatever its moment (the rounds after a case has played out). */
  force(op: Pick<PlannedOp, 'mutation' | 'seed'>): void {
    this.#forced = op;
  }

  newEpoch(): void {
    this.epoch++;
    this.#counts.clear();
  }

  process(unit: Unit): Delivery {
    const started = performance.now();
    try {
      return this.#process(unit);
    } finally {
      this.longestMs = Math.max(this.longestMs, performance.now() - started);
    }
  }

  #process(unit: Unit): Delivery {
    this.outputs++;
    this.lastOutput = performance.now();
    const d: Delivery = { frames: [unit.text] };
    let changed = false;
    const forced = this.#forced;
    this.#forced = undefined;
    if (forced) {
      applyMutation(forced.mutation, d, rng(forced.seed), this.env());
      this.applied.push(`e${this.epoch} forced ${forced.mutation}`);
      changed = true;
    }
    for (const trigger of TRIGGER_NAMES) {
      if (!TRIGGERS[trigger](unit)) continue;
      const nth = this.#counts.get(trigger) ?? 0;
      this.#counts.set(trigger, nth + 1);
      for (const op of this.ops) {
        if (op.epoch !== this.epoch || op.trigger !== trigger || op.nth !== nth) continue;
        applyMutation(op.mutation, d, rng(op.seed), this.env());
        this.applied.push(`e${op.epoch} ${trigger}#${nth} ${op.mutation}`);
        changed = true;
      }
    }
    if (changed) this.mutated++;
    if (this.record) this.transcript.push(`e${this.epoch} ${JSON.stringify({ ...d, frames: d.frames.map(show) })}`);
    return d;
  }
}

const show = (p: Payload): string => (typeof p === 'string' ? p : `bytes:${Buffer.from(p).toString('hex')}`);
