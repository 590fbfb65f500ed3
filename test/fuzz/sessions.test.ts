// Fuzzing live sessions (issue "Sessions that survive the network", §5): mutated server frames and BOSH bodies fed
// into connections mid-login, mid-SASL, mid-stream-management and mid-resume, on both carriers. A case passes when
// nothing escapes as an exception or rejection, the connection ends CONNECTED or DISCONNECTED with a typed failure in
// bounded time, and nothing runs on afterwards; across the run the heap stays flat.
//
//   npm test          a 10,000-case slice (about 17,000 mutated server outputs, rounds of mutations into a live
//                     session after the login), in about 35 s of CPU
//   npm run fuzz      100,000 cases (FUZZ_CASES)
//   FUZZ_SEED=<seed> FUZZ_ONLY=<index> npx vitest run test/fuzz/sessions.test.ts    replays one case, with its transcript
import { describe, expect, it } from 'vitest';
import { describeError } from './checks.js';
import { makePlan, type Plan, type Scenario } from './plan.js';
import { runCase } from './run-case.js';
import { type FuzzReport, heapVerdict, runFuzz, STALL_MS } from './runner.js';
import { largestStanzaMs, triage } from './triage.js';

const env = (name: string, fallback: number): number => (process.env[name] ? Number(process.env[name]) : fallback);
const SEED = env('FUZZ_SEED', 0x5e55);
const CASES = env('FUZZ_CASES', 10_000);
const FIRST = env('FUZZ_FIRST', 0);
const CONCURRENCY = env('FUZZ_CONCURRENCY', 48);
const ONLY = process.env.FUZZ_ONLY;
/** Heap growth tolerated over the run (MiB, see heapVerdict): GC noise, no leak. */
const HEAP_SLACK = env('FUZZ_HEAP_SLACK', 6);

const replay = (index: number) => `FUZZ_SEED=${SEED} FUZZ_ONLY=${index} npx vitest run test/fuzz/sessions.test.ts`;

function summary(r: FuzzReport): string {
  const endings = [...r.endings].sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, n]) => `  ${String(n).padStart(6)}  ${k}`);
  const heap = r.heap.map((h) => h.mib.toFixed(1)).join(' ');
  return [
    `seed ${r.seed}: ${r.cases} cases, ${r.mutatedFrames} mutated server outputs, ${r.online} reached CONNECTED, ${(r.ms / 1000).toFixed(1)} s (CPU ${(r.cpuMs / 1000).toFixed(1)} s)`,
    'most frequent endings:',
    ...endings,
    `mutations applied: ${[...r.byMutation].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `known defects (known-defects.ts): ${[...r.known].map(([id, n]) => `${id} ×${n}`).join(', ') || 'none seen'}`,
    `heap after GC (MiB, ${r.gcExposed ? 'forced GC' : 'no GC exposed'}): ${heap}`,
  ].join('\n');
}

function failureText(r: FuzzReport): string {
  const lines = r.failures.slice(0, 10).map((f) => {
    const plan = makePlan(SEED, f.index);
    return `case ${f.index} (${plan.carrier}, ${plan.scenario}, ${plan.mech}) mutations [${f.applied.join(', ')}]\n  statuses: ${f.statuses.join(' ')}\n  ${f.problems.join('\n  ')}\n  replay: ${replay(f.index)}`;
  });
  const escaped = r.escaped.slice(0, 5).map((e) => `${e.kind}: ${describeError(e.error)}\n  cases in flight: ${e.inFlight.join(', ')}`);
  const stalls = r.stalls.slice(0, 5).map((s) => `event loop blocked ${s.ms} ms; cases in flight: ${s.inFlight.join(', ')}`);
  return [...lines, ...escaped, ...stalls].join('\n');
}

describe('fuzz: hostile server output into live sessions', () => {
  it.skipIf(ONLY !== undefined).each<[string, Scenario]>([
    ['login', 'login'],
    ['online', 'online'],
    ['reconnect', 'reconnect'],
  ])('the unmutated baseline (%s) logs in on every carrier and mechanism, so the mutations land deep', async (_name, scenario) => {
    const plans = Array.from({ length: 24 }, (_, i) => {
      const plan = makePlan(SEED, i);
      const mech = (['PLAIN', 'SCRAM-SHA-1', 'DIGEST-MD5'] as const)[i % 3] ?? 'PLAIN';
      return { ...plan, scenario, ops: [], rounds: [], carrier: i % 2 ? 'websocket' : 'bosh', mech, reconnect: scenario === 'reconnect' } satisfies Plan;
    });
    // a generous connectTimeout: this checks the harness, not the machine's speed
    const results = await Promise.all(plans.map((p) => runCase(p, false, 3000)));
    for (const r of results) {
      expect(r.problems).toEqual([]);
      expect(r.online).toBe(true);
      const online = r.statuses.filter((s) => s.startsWith('CONNECTED'));
      expect(online).toHaveLength(scenario === 'reconnect' ? 2 : 1);
    }
  });

  it.skipIf(ONLY === undefined)('replays one case', async () => {
    const plan = makePlan(SEED, Number(ONLY));
    const result = await runCase(plan, true);
    console.log(JSON.stringify(plan), `\nstatuses: ${result.statuses.join(' ')}\nmutations: ${result.applied.join(', ')}\n${result.transcript.join('\n')}`);
    expect(result.problems).toEqual([]);
  });

  it.skipIf(ONLY !== undefined)(
    `${CASES} cases: nothing thrown, nothing hangs, typed endings, bounded heap`,
    async () => {
      const report = await runFuzz({ seed: SEED, cases: CASES, first: FIRST, concurrency: CONCURRENCY, sampleEvery: Math.max(100, Math.floor(CASES / 40)) });
      console.log(summary(report));
      // a stall counts when a case in flight shows it again alone; an escaped error counts in any case
      const culprits = await triage(SEED, [...report.stalls, ...report.escaped].flatMap((x) => x.inFlight));
      const pinned = culprits.map((c) => `case ${c.index} alone: event loop blocked ${c.blockedMs} ms${c.escaped.length ? `, escaped: ${c.escaped.join('; ')}` : ''}\n  replay: ${replay(c.index)}`);
      if (report.stalls.length > 0) console.log(`event loop stalls during the run: ${report.stalls.length}; cases that stall it alone: ${culprits.length}`);
      expect(report.escaped, `${failureText(report)}\n${pinned.join('\n')}`).toEqual([]);
      // a case may block the page about as long as the library takes to parse, dispatch and count the most input
      // the limits let through in one go (1 MiB, measured as bare parsing, with four times that for dispatch, the
      // stream-management bookkeeping and GC), never longer: what it costs is linear in what the server sent
      const limit = Math.max(STALL_MS / 2, 4 * largestStanzaMs());
      console.log(`stall limit: ${limit.toFixed(0)} ms (4 × the bare parse of 1 MiB in its dearest shape here)`);
      expect(culprits.filter((c) => c.blockedMs >= limit), pinned.join('\n')).toEqual([]);
      expect(report.failures.length, failureText(report)).toBe(0);
      expect(report.mutatedFrames).toBeGreaterThanOrEqual(CASES);
      const heap = heapVerdict(report.heap, HEAP_SLACK);
      const heapText = `heap after GC: fitted growth ${heap.growth.toFixed(1)} MiB (limit ${HEAP_SLACK}), early median ${heap.early.toFixed(1)} MiB, late median ${heap.late.toFixed(1)} MiB, max ${heap.max.toFixed(1)} MiB`;
      console.log(heapText);
      expect(heap.ok, heapText).toBe(true);
    },
    60_000 + CASES * 30,
  );
});
