// The in-browser measurements: time to online, client-bound and server-bound message throughput, parse
// throughput, SCRAM-SHA-1 cost. Libraries take turns within each repetition (rotating order), same page setup.
import { INSECURE_HOST, LIBS, openPage } from './browser.mjs';
import { startLatencyProxy } from './latency-proxy.mjs';
import { profilePage } from './profile.mjs';
import { median, spread } from './stats.mjs';

/** Logins per library and mechanism before time to online is recorded. */
const WARM_UP_LOGINS = 5;
/** Round-trip time of the second time-to-online run, through bench/latency-proxy.mjs. */
const RTT_MS = 20;
const slug = (lib) => lib.replace(/[^a-z]/g, '');
const rotate = (list, r) => list.map((_, i) => list[(i + r) % list.length]);

/** Runs a flood of `n` messages in `tab`; returns its messages/s and the page's main-thread ms per 1000 messages. */
async function measuredFlood(tab, n, run) {
  const before = await tab.busy();
  const rate = await run();
  const cpu = ((await tab.busy()) - before) * 1e6 / n;
  return { rate, cpu };
}

function summarize(samples) {
  return { median: median(samples), range: spread(samples), samples };
}

export async function runBrowserSuite({ browser, server, env, echoUrl, frames, opts, log }) {
  const errors = [];
  const tabs = {};
  for (const lib of LIBS) tabs[lib] = await openPage(browser, server.origin, lib, errors);
  const ws = env.prosody.websocket.ws;
  const users = env.prosody.hosts.localhost.users;
  const results = { errors };
  const step = async (section, fn) => {
    if (!opts.only.has(section)) return;
    const t0 = Date.now();
    try {
      results[section] = await fn();
    } catch (e) {
      results[section] = { error: String(e.message ?? e) };
      log(`${section}: FAILED ${e.message}`);
    }
    log(`${section}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  };

  await step('online', async () => {
    const out = {};
    const proxy = await startLatencyProxy('127.0.0.1', Number(new URL(ws).port), RTT_MS / 2);
    const viaProxy = ws.replace(/:\d+\//, `:${proxy.port}/`);
    try {
      for (const [label, service, reps] of [
        ['loopback', ws, opts.reps.online],
        [`${RTT_MS} ms RTT`, viaProxy, opts.reps.onlineRtt],
      ]) {
        out[label] = {};
        for (const mechanism of ['SCRAM-SHA-1', 'PLAIN']) {
          const samples = Object.fromEntries(LIBS.map((l) => [l, []]));
          // five warm-up logins each: the first ones also pay for compiling each library's login path
          for (let r = -WARM_UP_LOGINS; r < reps; r++) {
            for (const lib of rotate(LIBS, r + WARM_UP_LOGINS)) {
              if (!(await tabs[lib].call('hasMechanism', mechanism))) continue;
              const jid = `alice@localhost/online-${slug(lib)}-${r + WARM_UP_LOGINS}`;
              const ms = await tabs[lib].call('online', { service, jid, password: users.alice, mechanism });
              if (r >= 0) samples[lib].push(ms);
            }
          }
          out[label][mechanism] = Object.fromEntries(LIBS.map((l) => [l, samples[l].length ? summarize(samples[l]) : null]));
          log(`online ${label} ${mechanism}: ${LIBS.map((l) => `${l} ${out[label][mechanism][l]?.median.toFixed(1) ?? 'n/a'} ms`).join(', ')}`);
        }
      }
    } finally {
      await proxy.close();
    }
    return { ...out.loopback, rtt: { ms: RTT_MS, ...out[`${RTT_MS} ms RTT`] } };
  });

  await step('client', async () => {
    const n = opts.n.client;
    for (const lib of LIBS) await tabs[lib].call('open', 'echo', { service: echoUrl, jid: `bench@localhost/echo-${slug(lib)}`, password: 'x', mechanism: 'PLAIN' });
    // RAW: the same frames over a bare WebSocket from the antistrophe tab, the ceiling of this setup
    const RAW = 'raw WebSocket';
    const runners = [...LIBS, RAW];
    const samples = Object.fromEntries(runners.map((l) => [l, []]));
    const cpu = Object.fromEntries(runners.map((l) => [l, []]));
    for (let r = -1; r < opts.reps.client; r++) {
      for (const who of rotate(runners, r + 1)) {
        const count = r < 0 ? Math.min(n, 3000) : n;
        const tab = tabs[who === RAW ? 'antistrophe' : who];
        const m = await measuredFlood(tab, count, () =>
          who === RAW ? tab.call('rawFlood', echoUrl, count) : tab.call('flood', 'echo', 'echo', 'echo@localhost', count),
        );
        if (r >= 0) {
          samples[who].push(m.rate);
          cpu[who].push(m.cpu);
        }
      }
    }
    for (const lib of LIBS) await tabs[lib].call('close', 'echo');
    const out = {
      n,
      results: Object.fromEntries(LIBS.map((l) => [l, summarize(samples[l])])),
      cpu: Object.fromEntries(runners.map((l) => [l, summarize(cpu[l])])),
      ceiling: summarize(samples[RAW]),
    };
    log(`client-bound: ${LIBS.map((l) => `${l} ${Math.round(out.results[l].median)}/s (${out.cpu[l].median.toFixed(0)} ms CPU/1000)`).join(', ')}; raw WebSocket ${Math.round(out.ceiling.median)}/s (${out.cpu[RAW].median.toFixed(0)} ms CPU/1000)`);
    return out;
  });

  await step('server', async () => {
    const n = opts.n.server;
    for (const lib of LIBS) {
      await tabs[lib].call('open', 'alice', { service: ws, jid: `alice@localhost/sb-${slug(lib)}`, password: users.alice, mechanism: 'PLAIN' });
      await tabs[lib].call('open', 'bob', { service: ws, jid: `bob@localhost/sb-${slug(lib)}`, password: users.bob, mechanism: 'PLAIN' });
    }
    const samples = Object.fromEntries(LIBS.map((l) => [l, []]));
    const cpu = Object.fromEntries(LIBS.map((l) => [l, []]));
    for (let r = -1; r < opts.reps.server; r++) {
      for (const lib of rotate(LIBS, r + 1)) {
        const count = r < 0 ? Math.min(n, 500) : n;
        const m = await measuredFlood(tabs[lib], count, () => tabs[lib].call('flood', 'alice', 'bob', `bob@localhost/sb-${slug(lib)}`, count));
        if (r >= 0) {
          samples[lib].push(m.rate);
          cpu[lib].push(m.cpu);
        }
      }
    }
    for (const lib of LIBS) {
      await tabs[lib].call('close', 'alice');
      await tabs[lib].call('close', 'bob');
    }
    const out = { n, results: Object.fromEntries(LIBS.map((l) => [l, summarize(samples[l])])), cpu: Object.fromEntries(LIBS.map((l) => [l, summarize(cpu[l])])) };
    log(`server-bound: ${LIBS.map((l) => `${l} ${Math.round(out.results[l].median)}/s`).join(', ')}`);
    return out;
  });

  await step('parse', async () => {
    const backends = [];
    for (const lib of LIBS) {
      await tabs[lib].call('setCorpus', frames);
      for (const name of await tabs[lib].call('parserNames')) backends.push([lib, name]);
    }
    const samples = new Map(backends.map((b) => [b.join(' / '), []]));
    for (let r = -1; r < opts.reps.parse; r++) {
      for (const [lib, name] of rotate(backends, r + 1)) {
        const rate = await tabs[lib].call('parse', name, r < 0 ? 1 : opts.n.parseRounds, r < 0 ? 0 : opts.n.parseMs);
        if (r >= 0) samples.get(`${lib} / ${name}`).push(rate);
      }
    }
    const out = backends.map(([lib, name]) => ({ lib, name, ...summarize(samples.get(`${lib} / ${name}`)) }));
    log(`parse: ${out.map((b) => `${b.lib} / ${b.name} ${Math.round(b.median)}/s`).join(', ')}`);
    return { minStanzas: frames.length * opts.n.parseRounds, minMs: opts.n.parseMs, backends: out };
  });

  await step('scram', async () => {
    const secure = {};
    for (const lib of LIBS) {
      const times = [];
      for (let r = -3; r < opts.reps.scram; r++) {
        const ms = await tabs[lib].call('scram');
        if (ms === null) break;
        if (r >= 0) times.push(ms);
      }
      secure[lib] = times.length ? summarize(times) : null;
    }
    // cold: the first computation in a fresh page, as a page that logs in once pays it (JIT not warmed up)
    const cold = { webcrypto: Object.fromEntries(LIBS.map((l) => [l, []])), fallback: [] };
    for (let r = 0; r < opts.reps.scramCold; r++) {
      for (const lib of LIBS) {
        const tab = await openPage(browser, server.origin, lib, errors);
        const ms = await tab.call('scram');
        if (ms !== null) cold.webcrypto[lib].push(ms);
        await tab.close();
      }
    }
    // the same antistrophe page from a host name that is not a secure context: no crypto.subtle, the fallback runs
    const times = [];
    let context;
    for (let r = 0; r < opts.reps.scramCold; r++) {
      const insecureTab = await openPage(browser, server.insecureOrigin, 'antistrophe', errors);
      context = await insecureTab.call('context');
      if (context.secure || context.subtle !== 'undefined') throw new Error(`${INSECURE_HOST} page is a secure context: ${JSON.stringify(context)}`);
      cold.fallback.push(await insecureTab.call('scram'));
      // the last fresh page also gives the warm figures
      if (r === opts.reps.scramCold - 1) {
        for (let w = -2; w < opts.reps.scram; w++) {
          const ms = await insecureTab.call('scram');
          if (w >= 0) times.push(ms);
        }
      }
      await insecureTab.close();
    }
    const first = median(cold.fallback);
    const out = {
      webcrypto: secure,
      webcryptoCold: Object.fromEntries(LIBS.map((l) => [l, cold.webcrypto[l].length ? summarize(cold.webcrypto[l]) : null])),
      fallback: { ...summarize(times), context },
      fallbackCold: summarize(cold.fallback),
    };
    log(`scram: webcrypto ${LIBS.map((l) => `${l} ${secure[l]?.median.toFixed(2) ?? 'n/a'} ms`).join(', ')}; fallback ${out.fallback.median.toFixed(1)} ms warm, ${first.toFixed(1)} ms cold; webcrypto cold ${out.webcryptoCold.antistrophe?.median.toFixed(1)} ms`);
    return out;
  });

  if (opts.profile) {
    const ours = tabs.antistrophe;
    const profiles = {};
    await ours.call('open', 'echo', { service: echoUrl, jid: 'bench@localhost/echo-profile', password: 'x', mechanism: 'PLAIN' });
    profiles['client-bound'] = await profilePage(ours.page, 'antistrophe-client-bound', () => ours.call('flood', 'echo', 'echo', 'echo@localhost', opts.n.client));
    await ours.call('close', 'echo');
    await ours.call('setCorpus', frames);
    for (const name of await ours.call('parserNames')) {
      profiles[`parse ${name}`] = await profilePage(ours.page, `antistrophe-parse-${slug(name)}`, () => ours.call('parse', name, opts.n.parseRounds, opts.n.parseMs));
    }
    profiles['online SCRAM-SHA-1'] = await profilePage(ours.page, 'antistrophe-online', async () => {
      for (let i = 0; i < 10; i++) await ours.call('online', { service: ws, jid: `alice@localhost/prof-${i}`, password: users.alice, mechanism: 'SCRAM-SHA-1' });
    });
    results.profiles = profiles;
  }

  for (const tab of Object.values(tabs)) await tab.close();
  return results;
}
