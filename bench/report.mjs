// Renders one run's results as bench/results.md: the targets with PASS/FAIL, then every measurement with ratios.
import { LIBS } from './browser.mjs';
import { formatHotSpots } from './profile.mjs';
import { fmt, kib, ratio } from './stats.mjs';
import { evaluateTargets, SOAK_ENVS, soakVerdicts } from './targets.mjs';

const OURS = 'antistrophe';
const PEERS = LIBS.filter((l) => l !== OURS);
const table = (head, rows) => [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const range = (s, d) => (s ? `${fmt(s.median, d)} (${fmt(s.range[0], d)}–${fmt(s.range[1], d)})` : 'n/a');
/** Other work on the machine: load above the core count before the run, or well above what the run itself adds. */
const busy = (m) => m.loadStart > m.cores || m.loadEnd > m.cores + 1.5;
const failed = (section) => (section?.error ? `_not measured: ${section.error}_\n` : undefined);

const signedBytes = (n) => `${n < 0 ? '−' : '+'}${Math.abs(n).toLocaleString('en-US')} B gz`;

function sizesSection(s) {
  const rows = [];
  for (const key of ['a', 'b']) {
    for (const lib of LIBS) {
      const x = s[lib][key];
      if (!Number.isFinite(x.gz)) {
        rows.push([`(${key}) ${s.labels[key]}`, lib, `n/a: ${x.error}`, '', '', '', '']);
        continue;
      }
      rows.push([
        `(${key}) ${s.labels[key]}`,
        lib,
        kib(x.min),
        kib(x.gz),
        x.lazyGz ? kib(x.lazyGz) : '—',
        lib === OURS ? '1.00×' : ratio(s[OURS][key].gz, x.gz),
        lib === OURS ? '1.00×' : ratio(s[OURS][key].gz + s[OURS][key].lazyGz, x.gz + x.lazyGz),
      ]);
    }
  }
  const notes = [
    '- "up front" is what an app loads before it runs: the entry chunk and every chunk it imports statically; "lazy" the chunks reached only through `import()`, each gzipped on its own (antistrophe: the @noble/hashes SCRAM fallback, fetched only in insecure contexts; SASLprep\'s Unicode tables, only for a non-ASCII name or password; the DIGEST-MD5 exchange, only when DIGEST-MD5 is chosen). This is `bundleSize` of scripts/check-bundle.mjs; the peers go through the same esbuild options.',
    `- strophe.js: ${s['strophe.js'].note}.`,
    `- @xmpp/client: ${s['@xmpp/client'].note}; bundled with the package's "browser" field honored (see bench/esbuild.mjs).`,
    `- scripts/check-bundle.mjs budgets today: (a) ${kib(s.checkBundleBudgets.a)}, (b) ${kib(s.checkBundleBudgets.b)}; the targets above are 12 and 18 KiB.`,
  ];
  const base = s.baseline;
  if (base) {
    const delta = (key) => `${signedBytes(s[OURS][key].gz - base[key])} (${kib(base[key])} → ${kib(s[OURS][key].gz)})`;
    notes.push(`- Since ${base.ref} (${base.what}), up front: (a) ${delta('a')}, (b) ${delta('b')}. Baseline from bench/size-baseline.json, measured there with the same \`bundleSize\`.`);
  }
  const k = s.withKeeper;
  if (k && Number.isFinite(k.gz)) notes.push(`- (a) with stream management and reconnect opted in (\`modules: { keeper: sessionKeeper }\` from \`antistrophe/sessions\`): ${kib(k.gz)} up front (${signedBytes(k.gz - s[OURS].a.gz)}), + ${kib(k.lazyGz)} lazy; the full \`Connection\` (b) loads the same keeper on demand.`);
  if (s.fromSource) notes.push('- antistrophe bundled from its TypeScript sources (`--src`), not from a build.');
  if (s.contributors) notes.push(`- largest modules of antistrophe (a) up front, bytes of minified output (bundled from the sources): ${s.contributors.map((c) => `${c.file} ${c.bytes}`).join(', ')}.`);
  return `${table(['bundle', 'library', 'min (up front)', 'min+gz up front', 'min+gz lazy', 'ours ÷ this (up front)', 'ours ÷ this (all)'], rows)}\n\n${notes.join('\n')}\n`;
}

function onlineTable(o) {
  const rows = [];
  for (const mech of ['SCRAM-SHA-1', 'PLAIN']) {
    for (const lib of LIBS) {
      const s = o[mech][lib];
      rows.push([mech, lib, range(s, 1), s ? String(s.samples.length) : '0', ratio(o[mech][OURS]?.median, s?.median), ratio(o['SCRAM-SHA-1'][OURS]?.median, s?.median)]);
    }
  }
  return table(['mechanism', 'library', 'median ms (min–max)', 'reps', 'ours (same mechanism) ÷ this', 'ours (SCRAM-SHA-1) ÷ this'], rows);
}

function onlineSection(o) {
  const out = [`Over the loopback (the targets):\n\n${onlineTable(o)}\n`];
  if (o.rtt?.PLAIN) out.push(`Through a proxy that adds ${o.rtt.ms} ms of round-trip time (bench/latency-proxy.mjs), where round trips dominate as on real networks:\n\n${onlineTable(o.rtt)}\n`);
  out.push(
    "- connect() to CONNECTED/online over ws:// to Prosody as alice@localhost; logout outside the timing; libraries take turns. Round trips after the WebSocket opens — antistrophe: open, SASL (PLAIN 1, SCRAM 2), restart with the bind request pipelined behind it (XEP-0305); strophe.js: open, SASL, restart, bind and a session IQ although Prosody marks it optional; @xmpp/client (PLAIN only: its browser build maps @xmpp/sasl-scram-sha-1 to false): open, SASL, restart, bind, and it enables stream management (XEP-0198) on its own. SCRAM costs more than one round trip here: the e2e host `localhost` keeps plain passwords (so that SCRAM-SHA-1 and -256 can both be derived), so Prosody runs PBKDF2 with its default 10,000 iterations on every SCRAM login, and each client does too.",
  );
  return `${out.join('\n')}\n`;
}

function rateSection(x, unit) {
  const rows = LIBS.map((lib) => [
    lib,
    range(x.results[lib], 0),
    String(x.results[lib].samples.length),
    lib === OURS ? '1.00×' : ratio(x.results[OURS].median, x.results[lib].median),
    range(x.cpu?.[lib], 0),
    lib === OURS ? '1.00×' : ratio(x.cpu?.[lib]?.median, x.cpu?.[OURS]?.median),
  ]);
  if (x.ceiling) {
    const raw = x.cpu?.['raw WebSocket'];
    rows.push(['_raw WebSocket, no XMPP library (ceiling)_', range(x.ceiling, 0), String(x.ceiling.samples.length), ratio(x.results[OURS].median, x.ceiling.median), range(raw, 0), '']);
  }
  const notes = [
    '- main-thread ms per 1000 messages: CDP `Performance.getMetrics` TaskDuration of the page during the flood ÷ N × 1000 (sending, receiving, parsing, dispatching, the handler); "efficiency" is peer CPU ÷ ours: above 1 means ours needs less CPU per message.',
  ];
  if (x.ceiling) {
    notes.push(
      '- The ceiling row sends the same frames over a bare WebSocket and only counts the answers: what the browser, the echo server and the machine allow without any XMPP work. Where a library is close to it, the wall-clock rate measures the setup more than the library; the CPU column still separates them.',
    );
  }
  return `${table(['library', `median ${unit} (min–max)`, 'reps', 'ours ÷ this', 'main-thread ms / 1000 msgs', 'efficiency (this CPU ÷ ours)'], rows)}\n\n${notes.join('\n')}\n`;
}

function parseSection(p, corpus) {
  const ours = p.backends.find((b) => b.lib === OURS)?.median;
  const rows = p.backends.map((b) => [b.lib, b.name, range(b, 0), String(b.samples.length), ratio(ours, b.median)]);
  const kinds = Object.entries(corpus.kinds).map(([k, n]) => `${k} ${n}`).join(', ');
  return `${table(['library', 'parser', 'median stanzas/s (min–max)', 'reps', 'ours (default parser) ÷ this'], rows)}\n\n- corpus: ${corpus.count} distinct stanzas (${kinds}), ${corpus.avgBytes} bytes on average, one WebSocket frame each, at least ${p.minStanzas} stanzas and ${p.minMs} ms per repetition; each backend gets one frame per write, as its WebSocket transport does.\n`;
}

function scramSection(sc) {
  const rows = LIBS.map((lib) => [
    'WebCrypto (secure context)',
    lib,
    sc.webcrypto[lib] ? range(sc.webcrypto[lib], 2) : 'n/a (no SCRAM in its browser build)',
    sc.webcryptoCold[lib] ? range(sc.webcryptoCold[lib], 1) : 'n/a',
  ]);
  rows.push(['@noble/hashes fallback (insecure context, no crypto.subtle)', OURS, range(sc.fallback, 1), range(sc.fallbackCold, 1)]);
  return `${table(['crypto', 'library', 'warm: median ms (min–max)', 'cold: first call in a fresh page'], rows)}\n\n- one client-final computation (PBKDF2 4096 + HMACs + SHA-1) on the RFC 5802 §5 vector, checked against its expected proof. Warm: repeated in one page after warm-up calls; cold: the first call in a fresh page (what a page that logs in once pays), one fresh page per sample. The insecure page is http://bench.test (mapped to 127.0.0.1), which has no crypto.subtle.\n`;
}

function memorySection(m) {
  const rows = Object.entries(m.summary).map(([key, s]) => [key.replace('xmppjs', '@xmpp/client'), kib(s.heap), kib(s.external), kib(s.rss), s.samples.map((x) => (x / 1024).toFixed(1)).join(', ')]);
  return `${table(['library / SASL', 'heapUsed per connection (median)', 'external', 'rss', 'samples (KiB)'], rows)}\n\n- ${m.count} idle connections to Prosody over the \`ws\` package, spread over alice/bob/carol/dave with distinct resources, logged in 10 at a time; heapUsed after forced GCs minus the baseline (taken with 20 warm-up connections open), ÷ ${m.count}; a fresh \`node --expose-gc\` process per sample. The comparison uses PLAIN because @xmpp/client's SCRAM-SHA-1 in Node costs ~0.7 s of CPU per login.\n`;
}

const signedKib = (bytes) => (Number.isFinite(bytes) ? `${bytes < 0 ? '−' : '+'}${kib(Math.abs(bytes))}` : 'n/a');

function soakSection(s) {
  const envs = SOAK_ENVS.filter(([key]) => s[key] && !s[key].error);
  const out = [];
  if (envs.length) {
    // one row per sample; the first after warm-up is the baseline the growth is measured from
    const count = Math.max(...envs.map(([key]) => s[key].samples.length));
    const rows = Array.from({ length: count }, (_, i) => {
      const messages = envs.map(([key]) => s[key].samples[i]?.messages).find(Number.isFinite);
      const row = [i === 0 ? '0 (after login)' : `${fmt(messages, 0)}${i === 1 ? ' (warm baseline)' : ''}`];
      for (const [key] of envs) {
        const x = s[key].samples[i];
        row.push(x ? kib(x.heap) : 'n/a', x && i > 0 ? signedKib(x.heap - s[key].samples[1].heap) : '');
      }
      return row;
    });
    out.push(table(['messages', ...envs.flatMap(([, name]) => [`${name} heap`, 'Δ from warm'])], rows));
    const summary = envs.map(([key, name]) => {
      const x = s[key];
      const v = soakVerdicts(s, x);
      return [
        name,
        `${signedKib(x.growth)} (${fmt(x.growthShare * 100, 2)} %)`,
        fmt(x.slope, 2),
        kib(x.spread),
        `${x.maxUnacked} (bound ${s.bound})`,
        `${fmt(x.sent, 0)} / ${fmt(x.received, 0)} / ${x.misordered}`,
        `${fmt(x.outbound, 0)} / ${fmt(x.inbound, 0)}`,
        fmt(x.sent / x.messagingSeconds, 0),
        `${fmt(x.seconds, 1)} s`,
        `**${v.heap && v.delivery ? 'PASS' : 'FAIL'}**`,
      ];
    });
    out.push(
      '',
      table(['environment', `growth ${fmt(s.every, 0)} → ${fmt(s.total, 0)}`, 'trend (bytes / message)', 'spread of warm samples', 'max unacked', 'sent / received / out of order', 'sm outbound / inbound', 'msgs/s', 'time', 'verdict'], summary),
    );
    const growths = envs.map(([key, name]) => `${name} ${signedKib(s[key].growth)}`).join(', ');
    const ok = envs.length === SOAK_ENVS.length && envs.every(([key]) => soakVerdicts(s, s[key]).heap);
    out.push('', `**No heap growth beyond noise: ${ok ? 'PASS' : 'FAIL'}** (${growths}; threshold < ${kib(s.growthLimit)} from the first sample after warm-up to the last).`);
  }
  for (const [key, name] of SOAK_ENVS) if (s[key]?.error) out.push('', `_${name} not measured: ${s[key].error}_`);
  const notes = [
    `- One connection (antistrophe/core with WebSocket, PLAIN and \`modules: { keeper: sessionKeeper }\`; stream management on as by default, \`<r/>\` every ${s.requestEvery} stanzas) sends ${fmt(s.total, 0)} chats to its own full JID, each with the \`no-store\` hint; Prosody routes each back to it. Sending to itself keeps the measured heap to one connection while it exercises both directions of XEP-0198 (its \`<r/>\`/\`<a/>\` and the server's, the inbound count) and the delivery of every message; a second connection (alice → bob) would share the heap and blur whose memory grows. The bench pages and bench/node-soak.mjs run the same loop (bench/pages/soak-loop.js).`,
    `- Paced by the echoes: at most ${s.window} chats in flight, refilled when half are back; before each sample every echo is in and \`await conn.acked(last)\` has resolved, so nothing is in flight. "Max unacked" is \`conn.sm.unacked\` right after each burst (where it peaks); its bound is the window plus one ack request interval (a message can be echoed before the \`<a/>\` that covers it), far below \`maxUnacked\` (500, where send() throws). Echoes are checked by id: in order, none lost, none doubled.`,
    `- Heap after every ${fmt(s.every, 0)} messages: Chromium through CDP (\`HeapProfiler.collectGarbage\` four times, then \`Runtime.getHeapUsage\` usedSize of the page); Node 20 (a \`node --expose-gc\` child, \`ws\` as \`options.WebSocket\`) \`process.memoryUsage().heapUsed\` after four \`global.gc()\`. The first ${fmt(s.every, 0)} messages are the warm-up (code compiled and optimized, buffers at their working size); growth is last − warm baseline, the trend a least-squares slope over the warm samples.`,
    `- Threshold < ${kib(s.growthLimit)}: over ${fmt(s.total - s.every, 0)} messages that is under ${fmt(s.growthLimit / (s.total - s.every), 1)} bytes per message, less than any object kept per message (a stanza kept is several hundred bytes, a Map or Set entry 16 or more), while the GC'd heap of the steady loop wanders by the spread shown.`,
  ];
  if (Number.isFinite(s.wallSeconds)) notes.push(`- The section took ${fmt(s.wallSeconds, 0)} s (Chromium, then Node, one after the other); its rate is Prosody's (one Lua thread doing routing and stream management both ways), not the library's.`);
  out.push('', notes.join('\n'));
  return `${out.join('\n')}\n`;
}

export function renderReport(r) {
  const m = r.machine;
  const out = [];
  out.push('# antistrophe benchmark results\n');
  out.push(`${r.mode === 'quick' ? '**Quick run** (fewer repetitions, smaller N): for iteration only. ' : ''}Generated by \`npm run bench\`${r.mode === 'quick' ? ' -- --quick' : ''} on ${m.date}. Medians; ratios are ours ÷ peer.\n`);
  out.push(
    table(
      ['machine', ''],
      [
        ['CPU', `${m.cpu}, ${m.cores} cores`],
        ['RAM', `${m.ramGiB.toFixed(1)} GiB`],
        ['OS', m.os],
        ['Node', m.node],
        ['Chromium', `${m.chromium} (headless, Playwright)`],
        ['Prosody', m.prosody],
        ['load average (1 min)', `${m.loadStart} at the start, ${m.loadEnd} at the end${busy(m) ? ' — **other work shared the machine: absolute numbers are low and noisy; the ratios come from interleaved runs**' : ''}`],
        ['libraries', Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join('; ')],
      ],
    ),
  );
  out.push('\n## Targets\n');
  out.push(table(['target', 'measured', 'threshold', 'result'], evaluateTargets(r).map((t) => [t.target, t.measured, t.threshold, `**${t.result}**`])));
  const b = r.browser ?? {};
  const sections = [
    ['Bundle size (esbuild --bundle --splitting --minify --format=esm --platform=browser, gzip -9)', r.sizes, sizesSection],
    ['Time to online over WebSocket', b.online, onlineSection],
    [`Client-bound throughput (echo server, N=${b.client?.n ?? '?'}; one connection sends N chats, the server answers each at once; until all N answers are handled)`, b.client, (x) => rateSection(x, 'msgs/s')],
    [`Server-bound throughput (alice → bob through Prosody, N=${b.server?.n ?? '?'}; until bob has handled all N)`, b.server, (x) => rateSection(x, 'msgs/s')],
    ['Parse throughput in Chromium', b.parse, (x) => parseSection(x, r.corpus)],
    ['SCRAM-SHA-1, 4096 iterations, in Chromium', b.scram, scramSection],
    ['Node memory per idle connection', r.memory, memorySection],
    [`Soak: one connection with stream management, ${r.soak ? fmt(r.soak.total, 0) : '?'} messages to itself through Prosody`, r.soak, soakSection],
  ];
  for (const [title, data, render] of sections) {
    if (!data) continue;
    out.push(`\n## ${title}\n`);
    out.push(failed(data) ?? render(data));
  }
  if (b.profiles) {
    out.push('\n## CPU hot spots of antistrophe (self time, top functions)\n');
    for (const [name, p] of Object.entries(b.profiles)) out.push(`\n### ${name}\n\n\`\`\`\n${formatHotSpots(p.hotSpots)}\n\`\`\`\n`);
  }
  if (r.notes?.length || b.errors?.length) {
    out.push('\n## Notes\n');
    for (const n of [...(r.notes ?? []), ...(b.errors ?? []).map((e) => `page error: ${e}`)]) out.push(`- ${n}`);
  }
  return `${out.join('\n')}\n`;
}

export { PEERS };
