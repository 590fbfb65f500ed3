// Pins a stall or an escaped exception on one case: the cases in flight when it surfaced run again one at a time,
// each watched alone. A stall no case shows alone was the machine (another process, a GC pause), not a frame.
import { makePlan } from './plan.js';
import { describeError } from './checks.js';
import { runCase } from './run-case.js';
import { STALL_MS } from './runner.js';

export interface Culprit {
  index: number;
  /** Longest the event loop stayed blocked while it ran alone (ms). */
  blockedMs: number;
  /** What escaped to the process while it ran alone. */
  escaped: string[];
}

export async function triage(seed: number, suspects: readonly number[]): Promise<Culprit[]> {
  const out: Culprit[] = [];
  for (const index of [...new Set(suspects)].slice(0, 200)) {
    const escaped: string[] = [];
    const onEscape = (error: unknown) => escaped.push(describeError(error));
    process.on('uncaughtException', onEscape);
    process.on('unhandledRejection', onEscape);
    let worst = 0;
    let last = performance.now();
    const watch = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - last);
      last = now;
    }, 10);
    try {
      await runCase(makePlan(seed, index));
      await new Promise((r) => setTimeout(r, 20)); // a rejection surfaces a turn later
    } finally {
      clearInterval(watch);
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
    worst = Math.max(worst, performance.now() - last);
    if (worst >= STALL_MS / 2 || escaped.length > 0) out.push({ index, blockedMs: Math.round(worst), escaped });
  }
  return out;
}
