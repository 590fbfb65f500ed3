// The performance targets and their verdicts from one run's results.
import { fmt, kib } from './stats.mjs';

const OURS = 'antistrophe';
const STROPHE = 'strophe.js';
const XMPPJS = '@xmpp/client';

/** The size targets (the budgets in scripts/check-bundle.mjs may differ: they guard against growth). */
export const SIZE_TARGETS = { a: 12 * 1024, b: 18 * 1024 };

const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'FAIL');
const finite = (...xs) => xs.every((x) => Number.isFinite(x));

const signedKib = (bytes) => `${bytes < 0 ? '−' : '+'}${kib(Math.abs(bytes))}`;
export const SOAK_ENVS = [
  ['browser', 'Chromium'],
  ['node', 'Node'],
];

/**
 * The soak verdicts of one environment: `heap` (growth from the first sample after warm-up to the last under the
 * run's limit), `delivery` (every message echoed once and in order, the stream-management counts agree, the queue
 * within its bound and empty at the end); null when unmeasured.
 */
export function soakVerdicts(soak, x) {
  if (!x || x.error) return { heap: null, delivery: null };
  const delivery =
    x.sent === soak.total && x.received === x.sent && x.misordered === 0 && x.outbound === x.sent && x.inbound === x.received && x.unackedAtEnd === 0 && x.maxUnacked <= soak.bound;
  return { heap: Number.isFinite(x.growth) ? x.growth < soak.growthLimit : null, delivery };
}

/** One row per target: what was measured, against what, the threshold and PASS/FAIL (n/a when unmeasured). */
export function evaluateTargets(r) {
  const rows = [];
  const add = (target, measured, threshold, ok) => rows.push({ target, measured, threshold, result: verdict(ok) });

  if (r.sizes) {
    for (const key of ['a', 'b']) {
      const { gz, lazyGz } = r.sizes[OURS][key];
      const limit = SIZE_TARGETS[key];
      const measured = `${kib(gz)} up front${lazyGz ? ` (+ ${kib(lazyGz)} lazy)` : ''}`;
      add(`bundle (${key}) ${r.sizes.labels[key]}, min+gz`, measured, `≤ ${limit / 1024} KiB`, Number.isFinite(gz) ? gz <= limit : null);
    }
  }
  const online = r.browser?.online;
  if (online && !online.error) {
    const ours = online['SCRAM-SHA-1'][OURS]?.median;
    const strophe = online['SCRAM-SHA-1'][STROPHE]?.median;
    // @xmpp/client has no SCRAM in browsers: its only password mechanism (PLAIN) is the reference
    const xmppjs = online.PLAIN[XMPPJS]?.median;
    add('time to online, ours SCRAM-SHA-1 vs strophe.js SCRAM-SHA-1', `${fmt(ours, 1)} vs ${fmt(strophe, 1)} ms = ${fmt(ours / strophe, 2)}×`, '≤ 0.80×', finite(ours, strophe) ? ours / strophe <= 0.8 : null);
    add('time to online, ours SCRAM-SHA-1 vs @xmpp/client PLAIN (no SCRAM in its browser build)', `${fmt(ours, 1)} vs ${fmt(xmppjs, 1)} ms = ${fmt(ours / xmppjs, 2)}×`, '≤ 0.80×', finite(ours, xmppjs) ? ours / xmppjs <= 0.8 : null);
  }
  const client = r.browser?.client;
  if (client && !client.error) {
    const ours = client.results[OURS].median;
    for (const [peer, min] of [[STROPHE, 1.5], [XMPPJS, 1.2]]) {
      const p = client.results[peer].median;
      add(`client-bound msgs/s vs ${peer} (N=${client.n})`, `${fmt(ours, 0)} vs ${fmt(p, 0)} = ${fmt(ours / p, 2)}×`, `≥ ${min.toFixed(2)}×`, finite(ours, p) ? ours / p >= min : null);
    }
  }
  const server = r.browser?.server;
  if (server && !server.error) {
    const ours = server.results[OURS].median;
    const [bestName, best] = [STROPHE, XMPPJS].map((l) => [l, server.results[l].median]).sort((a, b) => b[1] - a[1])[0];
    add(`server-bound msgs/s vs best peer (${bestName}, N=${server.n})`, `${fmt(ours, 0)} vs ${fmt(best, 0)} = ${fmt(ours / best, 2)}×`, '≥ 0.95×', finite(ours, best) ? ours / best >= 0.95 : null);
  }
  const parse = r.browser?.parse;
  if (parse && !parse.error) {
    for (const b of parse.backends.filter((x) => x.lib === OURS)) {
      add(`parse stanzas/s in Chromium, ${b.name}`, fmt(b.median, 0), '≥ 70,000', Number.isFinite(b.median) ? b.median >= 70_000 : null);
    }
  }
  const scram = r.browser?.scram;
  if (scram && !scram.error) {
    const web = scram.webcrypto[OURS]?.median;
    add('SCRAM-SHA-1 4096 iterations, WebCrypto', `${fmt(web, 2)} ms`, '≤ 10 ms', Number.isFinite(web) ? web <= 10 : null);
    const webCold = scram.webcryptoCold[OURS]?.median;
    add('SCRAM-SHA-1 4096 iterations, WebCrypto, first call in a fresh page', `${fmt(webCold, 2)} ms`, '≤ 10 ms', Number.isFinite(webCold) ? webCold <= 10 : null);
    const fb = scram.fallback.median;
    add('SCRAM-SHA-1 4096 iterations, insecure-context fallback (@noble/hashes)', `${fmt(fb, 1)} ms`, '≤ 60 ms', Number.isFinite(fb) ? fb <= 60 : null);
    const fbCold = scram.fallbackCold.median;
    add('SCRAM-SHA-1 4096 iterations, fallback, first call in a fresh page', `${fmt(fbCold, 1)} ms`, '≤ 60 ms', Number.isFinite(fbCold) ? fbCold <= 60 : null);
  }
  const mem = r.memory;
  if (mem && !mem.error) {
    const ours = mem.summary['antistrophe/PLAIN'].heap;
    const peer = mem.summary['xmppjs/PLAIN'].heap;
    add(`Node heap per idle connection vs @xmpp/client (${mem.count} connections, PLAIN)`, `${kib(ours)} vs ${kib(peer)} = ${fmt(ours / peer, 2)}×`, '≤ 0.70×', finite(ours, peer) ? ours / peer <= 0.7 : null);
  }
  const soak = r.soak;
  if (soak) {
    const warm = fmt(soak.every, 0);
    for (const [key, name] of SOAK_ENVS) {
      const x = soak[key];
      const v = soakVerdicts(soak, x);
      const heap = x && !x.error ? `${signedKib(x.growth)} (${fmt(x.growthShare * 100, 1)} % of ${kib(x.samples[1].heap)})` : 'not measured';
      add(`soak, ${name}: heap growth from ${warm} to ${fmt(soak.total, 0)} messages on one connection (no growth beyond noise)`, heap, `< ${kib(soak.growthLimit)}`, v.heap);
      const delivery = x && !x.error ? `${fmt(x.received, 0)} of ${fmt(x.sent, 0)} echoed, ${x.misordered} out of order; max unacked ${x.maxUnacked}` : 'not measured';
      add(`soak, ${name}: every message back once and in order, stream-management queue bounded`, delivery, `all, in order; unacked ≤ ${soak.bound}`, v.delivery);
    }
  }
  return rows;
}
