// Runs many cases at once (most of a case is waiting on timers), samples the heap after a forced GC as it goes,
// and pins exceptions that escape to the process on the cases in flight when they surfaced.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { makePlan } from './plan.js';
import { type CaseResult, runCase } from './run-case.js';

export interface HeapSample {
  /** Cases done when sampled. */
  cases: number;
  /** heapUsed after a full GC, in MiB. */
  mib: number;
}

export interface EscapedError {
  kind: 'uncaughtException' | 'unhandledRejection';
  error: unknown;
  /** Cases running when it surfaced: one of them caused it. */
  inFlight: number[];
}

/** The event loop did not turn for `ms`: a frame that costs that much to handle is a hang of its own. */
export interface Stall {
  ms: number;
  inFlight: number[];
}

/** Longest the event loop may stay blocked (ms) before it counts as a stall. */
export const STALL_MS = 1000;

export interface FuzzReport {
  seed: number;
  cases: number;
  mutatedFrames: number;
  online: number;
  /** Final status (`NAME:condition` of the status before DISCONNECTED, or the failure) → count. */
  endings: Map<string, number>;
  failures: CaseResult[];
  /** Mutations applied, by name. */
  byMutation: Map<string, number>;
  /** Known defects (known-defects.ts) by id → cases that showed them. */
  known: Map<string, number>;
  escaped: EscapedError[];
  stalls: Stall[];
  heap: HeapSample[];
  gcExposed: boolean;
  ms: number;
  /** CPU time of this process over the run (user + system), ms. */
  cpuMs: number;
}

/** A full GC, exposed without --expose-gc: the flag is set at run time and `gc` read from a fresh context. */
function collector(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** How a case ended: the failure status before DISCONNECTED, `disconnect()`, or DISCONNECTED's own condition. */
function ending(result: CaseResult): string {
  const s = result.statuses;
  const before = s[s.length - 2] ?? '';
  const how = before.startsWith('DISCONNECTING') ? 'disconnect()' : before.startsWith('CONNECTED') || before.startsWith('RECONNECTING') ? (s[s.length - 1] ?? '') : before;
  return result.online ? `online, then ${how}` : how;
}

export async function runFuzz(opts: { seed: number; cases: number; first?: number; concurrency: number; sampleEvery: number }): Promise<FuzzReport> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const gc = collector();
  const first = opts.first ?? 0;
  const report: FuzzReport = { seed: opts.seed, cases: 0, mutatedFrames: 0, online: 0, endings: new Map(), failures: [], byMutation: new Map(), known: new Map(), escaped: [], stalls: [], heap: [], gcExposed: gc !== undefined, ms: 0, cpuMs: 0 };
  const inFlight = new Set<number>();
  const onEscape = (kind: EscapedError['kind']) => (error: unknown) => report.escaped.push({ kind, error, inFlight: [...inFlight] });
  const onException = onEscape('uncaughtException');
  const onRejection = onEscape('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  let tick = performance.now();
  const watchdog = setInterval(() => {
    const now = performance.now();
    if (now - tick > STALL_MS) report.stalls.push({ ms: Math.round(now - tick), inFlight: [...inFlight] });
    tick = now;
  }, 50);
  const sample = () => {
    gc?.();
    report.heap.push({ cases: report.cases, mib: process.memoryUsage().heapUsed / 2 ** 20 });
    tick = performance.now(); // the collection itself is not a stall
  };
  let next = first;
  const end = first + opts.cases;
  try {
    sample();
    const worker = async () => {
      while (next < end) {
        const index = next++;
        inFlight.add(index);
        const result = await runCase(makePlan(opts.seed, index));
        inFlight.delete(index);
        report.cases++;
        report.mutatedFrames += result.mutated;
        if (result.online) report.online++;
        const key = ending(result);
        report.endings.set(key, (report.endings.get(key) ?? 0) + 1);
        if (result.problems.length > 0) report.failures.push(result);
        for (const id of result.known) report.known.set(id, (report.known.get(id) ?? 0) + 1);
        for (const a of result.applied) {
          const name = a.slice(a.lastIndexOf(' ') + 1);
          report.byMutation.set(name, (report.byMutation.get(name) ?? 0) + 1);
        }
        if (report.cases % opts.sampleEvery === 0) sample();
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    sample();
  } finally {
    clearInterval(watchdog);
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  }
  report.ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  report.cpuMs = (used.user + used.system) / 1000;
  return report;
}

/**
 * Whether the heap stayed bounded. Past the first fifth (warm-up: JIT, interned strings), a least-squares line is
 * fitted to heap-after-GC against cases done: its rise over the run (`growth`) must stay within `slackMiB`, and no
 * sample may exceed the early median by more than four times that. A leak of L bytes per case rises by about
 * L × cases: 6 MiB is some 1 KB per case over 6,000 cases, 60 bytes per case over 100,000.
 */
export function heapVerdict(heap: HeapSample[], slackMiB: number): { ok: boolean; growth: number; early: number; late: number; max: number } {
  const steady = heap.slice(Math.floor(heap.length / 5));
  const third = Math.max(1, Math.floor(steady.length / 3));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const xs = steady.map((s) => s.cases);
  const ys = steady.map((s) => s.mib);
  const mx = mean(xs);
  const my = mean(ys);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const slope = den === 0 ? 0 : xs.reduce((a, x, i) => a + (x - mx) * ((ys[i] as number) - my), 0) / den;
  const growth = slope * ((xs[xs.length - 1] ?? 0) - (xs[0] ?? 0));
  const early = median(ys.slice(0, third));
  const late = median(ys.slice(-third));
  const max = Math.max(...ys);
  return { ok: growth <= slackMiB && max - early <= 4 * slackMiB, growth, early, late, max };
}
