// Pins a stall or an escaped exception on one case: the cases in flight when it surfaced run again one at a time,
// each watched alone. A stall no case shows alone was the machine (another process, a GC pause), not a frame.
import { DEFAULT_MAX_STANZA_SIZE } from '../../src/xml/parser.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { makePlan } from './plan.js';
import { describeError } from './checks.js';
import { runCase } from './run-case.js';
import { STALL_MS } from './runner.js';

export interface Culprit {
  index: number;
  /** Longest the event loop stayed blocked while it ran alone (ms), less the harness's longest mutation. */
  blockedMs: number;
  /** What escaped to the process while it ran alone. */
  escaped: string[];
}

/**
 * How long this machine, as loaded now, takes to parse the most a hostile server may send in one go within the
 * default limits, in the two dearest shapes: one 1 MiB stanza of empty children (`<x/>`, about 260,000), and 1 MiB
 * of tiny top-level elements (`<a xmlns='urn:xmpp:sm:3' h='0'/>`, each a stanza of its own). Best of 3 each, the
 * dearer shape. A case is a stall only when it blocks the page several times longer (see sessions.test.ts).
 */
export function largestStanzaMs(): number {
  const fill = (unit: string) => unit.repeat(Math.floor((DEFAULT_MAX_STANZA_SIZE - 64) / unit.length));
  const shapes = [
    { fragment: true, text: `<message xmlns='jabber:client'>${fill('<x/>')}</message>` },
    { fragment: false, text: `<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>${fill("<a xmlns='urn:xmpp:sm:3' h='0'/>")}` },
  ];
  let worst = 0;
  for (const { fragment, text } of shapes) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const parser = createStreamParser({ onStreamStart() {}, onElement() {}, onStreamEnd() {}, onError() {} }, { fragment });
      const t = performance.now();
      parser.write(text);
      best = Math.min(best, performance.now() - t);
    }
    worst = Math.max(worst, best);
  }
  return worst;
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
    let harnessMs = 0;
    try {
      harnessMs = (await runCase(makePlan(seed, index))).mutatorMs;
      await new Promise((r) => setTimeout(r, 20)); // a rejection surfaces a turn later
    } finally {
      clearInterval(watch);
      process.off('uncaughtException', onEscape);
      process.off('unhandledRejection', onEscape);
    }
    // a huge mutated frame (20,000 children, then more mutations on it) takes the harness itself a while to build
    worst = Math.max(worst, performance.now() - last) - harnessMs;
    if (worst >= STALL_MS / 2 || escaped.length > 0) out.push({ index, blockedMs: Math.round(worst), escaped });
  }
  return out;
}
