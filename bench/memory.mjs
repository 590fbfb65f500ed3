// Runs bench/node-memory.mjs once per repetition and library (a fresh Node process each time) and takes medians.
import { spawn } from 'node:child_process';
import { median } from './stats.mjs';

/** Runs a bench script in `node --expose-gc` and resolves with the JSON of its last stdout line; stderr goes to `onErr`. */
export function nodeChild(script, args, { src = false, timeoutMs = 180_000, onErr } = {}) {
  const node = ['--expose-gc', ...(src ? ['--import', 'tsx'] : []), new URL(script, import.meta.url).pathname, ...args, ...(src ? ['--src'] : [])];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, node, { stdio: ['ignore', 'pipe', 'pipe'], cwd: new URL('..', import.meta.url).pathname });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
      onErr?.(String(d));
    });
    const timer = setTimeout(() => p.kill(), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line));
      } catch {
        reject(new Error(`${script} ${args.join(' ')} exited ${code}: ${err.slice(-600) || out.slice(-600)}`));
      }
    });
  });
}

/** Heap bytes per idle connection: median over `reps` fresh processes for each (library, mechanism) run. */
export async function measureMemory({ service, count, reps, src, appDir, log }) {
  if (appDir) process.env.BENCH_APP_DIR = appDir;
  const runs = [
    ['antistrophe', 'PLAIN'],
    ['xmppjs', 'PLAIN'],
    ['antistrophe', 'SCRAM-SHA-1'],
  ];
  const samples = Object.fromEntries(runs.map(([lib, mech]) => [`${lib}/${mech}`, []]));
  for (let r = 0; r < reps; r++) {
    for (const [lib, mech] of runs) {
      const res = await nodeChild('./node-memory.mjs', [lib, String(count), service, mech], { src });
      samples[`${lib}/${mech}`].push(res);
      log?.(`memory ${lib}/${mech} rep ${r + 1}: ${(res.heapPerConnection / 1024).toFixed(1)} KiB heap/connection`);
    }
  }
  const summary = {};
  for (const [key, list] of Object.entries(samples)) {
    summary[key] = {
      heap: median(list.map((x) => x.heapPerConnection)),
      external: median(list.map((x) => x.externalPerConnection)),
      rss: median(list.map((x) => x.rssPerConnection)),
      samples: list.map((x) => x.heapPerConnection),
    };
  }
  return { count, reps, summary };
}
