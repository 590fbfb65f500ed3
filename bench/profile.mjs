// CPU profiles: Chromium's through CDP `Profiler`, and the hot-spot summary (self time by function) used for
// both those and Node's `--cpu-prof` files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const OUT_DIR = new URL('./out/', import.meta.url).pathname;

/** Runs `fn` while sampling the page's main thread; saves `<name>.cpuprofile` and returns its hot spots. */
export async function profilePage(page, name, fn) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  let result;
  try {
    result = await fn();
  } finally {
    const { profile } = await cdp.send('Profiler.stop');
    mkdirSync(OUT_DIR, { recursive: true });
    writeFileSync(join(OUT_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    result = { result, hotSpots: hotSpots(profile) };
    await cdp.detach();
  }
  return result;
}

/** Self time per function (name, file, line), largest first, with its share of all samples. */
export function hotSpots(profile, top = 15) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const f = nodes.get(id).callFrame;
    const file = f.url ? f.url.split('/').pop() : '';
    const key = `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}` : ''}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, us]) => ({ fn, ms: us / 1000, share: total ? us / total : 0 }));
}

/** Hot spots of a `node --cpu-prof` file. */
export function hotSpotsOfFile(path, top) {
  return hotSpots(JSON.parse(readFileSync(path, 'utf8')), top);
}

export function formatHotSpots(spots) {
  return spots.map((s) => `  ${(s.share * 100).toFixed(1).padStart(5)} %  ${s.ms.toFixed(1).padStart(8)} ms  ${s.fn}`).join('\n');
}
