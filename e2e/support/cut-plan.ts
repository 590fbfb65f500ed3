// Where a fault-injection proxy cuts the connection: a seeded plan, so that a failing run can be replayed exactly.

/** The seed every plan derives from (printed in each summary); E2E_CUT_SEED replays another run. */
export const CUT_SEED = Number(process.env.E2E_CUT_SEED ?? 0x5e55_1015);

/** mulberry32: tiny and fast; statistical quality is beside the point here, reproducibility is not. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A seed per test (FNV-1a of its label mixed into {@link CUT_SEED}): each combination gets its own cuts. */
export function seedFor(label: string, base = CUT_SEED): number {
  let h = 0x811c9dc5 ^ base;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Cuts of a session that is online: `reset` drops both sockets at once, `half-up`/`half-down` write half of the
 * next message frame (to the server / to the browser) and then drop them, `r-a` drops the connection between an
 * ack request and its answer, `silent` stops relaying without closing anything (only a probe can tell).
 */
export type OnlineCut = 'reset' | 'half-up' | 'half-down' | 'r-a' | 'silent';
/** Cuts of the reconnect that follows: mid-SASL, mid-bind, right after `<enable/>`, between `<resume/>` and its answer. */
export type SetupCut = 'sasl' | 'bind' | 'enable' | 'resume';
export type CutKind = OnlineCut | SetupCut;

export interface PlannedCut {
  /** Fires once this many test messages have passed the proxy (both directions). */
  at: number;
  kind: OnlineCut;
  /** A second cut, of the reconnect that follows this one. */
  after?: SetupCut;
  /** The proxy keeps the client away until the server has given the session up (resumption fails, h known). */
  expire?: boolean;
}

export interface PlanSpec {
  /** Cuts in all, setup cuts included. */
  cuts: number;
  /** Range of message counts the online cuts are placed in. */
  from: number;
  to: number;
  online: readonly OnlineCut[];
  setup: readonly SetupCut[];
  /** How many online cuts keep the client away past the server's resumption timeout. */
  expire: number;
}

/** Every kind at least once, the rest drawn at random; setup cuts each follow a distinct online cut. */
export function planCuts(random: () => number, spec: PlanSpec): PlannedCut[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const kinds: CutKind[] = [...spec.online, ...spec.setup];
  while (kinds.length < spec.cuts) kinds.push(pick([...spec.online, ...spec.online, ...spec.setup]));
  const online = kinds.filter((k): k is OnlineCut => (spec.online as readonly string[]).includes(k));
  const setup = kinds.filter((k): k is SetupCut => (spec.setup as readonly string[]).includes(k));
  if (setup.length > online.length) throw new Error('more setup cuts than online cuts to follow');
  shuffle(online, random);
  const ats = new Set<number>();
  while (ats.size < online.length) ats.add(spec.from + Math.floor(random() * (spec.to - spec.from)));
  const plan: PlannedCut[] = [...ats].sort((a, b) => a - b).map((at, i) => ({ at, kind: online[i] as OnlineCut }));
  const slots = shuffle([...plan.keys()], random);
  setup.forEach((s, i) => {
    (plan[slots[i] as number] as PlannedCut).after = s;
  });
  for (const i of shuffle([...plan.keys()], random).slice(0, spec.expire)) (plan[i] as PlannedCut).expire = true;
  return plan;
}

function shuffle<T>(xs: T[], random: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/** Counts per kind, for the summary line. */
export function tally(kinds: readonly string[]): string {
  const n = new Map<string, number>();
  for (const k of kinds) n.set(k, (n.get(k) ?? 0) + 1);
  return [...n].map(([k, c]) => `${k} ${c}`).join(', ');
}
