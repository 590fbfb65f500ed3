// What ran the benchmark: CPU, cores, memory, OS, and the versions of Node, Chromium, Prosody and each library.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { root } from './esbuild.mjs';

const version = (pkg) => JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version;

function cpuModel() {
  const model = cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    // lscpu also names the family when the model string is short (e.g. a virtualized "AMD EPYC")
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const family = /cpu family\s*:\s*(\d+)/.exec(info)?.[1];
    const modelNo = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1];
    return `${model}${family ? ` (family ${family}, model ${modelNo}${mhz ? `, ${Math.round(Number(mhz))} MHz` : ''})` : ''}`;
  } catch {
    return model;
  }
}

function osName() {
  const file = '/etc/os-release';
  const pretty = existsSync(file) ? /PRETTY_NAME="?([^"\n]+)/.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
  return `${pretty ?? 'Linux'}, kernel ${release()}`;
}

function gitRevision() {
  try {
    const rev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'mechanisms'], { cwd: root, encoding: 'utf8' }).trim();
    return dirty ? `${rev} + uncommitted changes in src/ or mechanisms/` : rev;
  } catch {
    return 'unknown';
  }
}

/** The 1-minute load average, rounded. */
export const load1 = () => Number(loadavg()[0].toFixed(2));

export function machineInfo({ chromium, prosody, loadStart }) {
  const own = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cores: cpus().length,
    ramGiB: totalmem() / 1024 ** 3,
    os: osName(),
    node: process.version,
    chromium,
    prosody,
    loadStart,
    loadEnd: load1(),
    versions: {
      antistrophe: `${own.version} (${gitRevision()})`,
      'strophe.js': version('strophe.js'),
      '@xmpp/client': version('@xmpp/client'),
      esbuild: version('esbuild'),
      ws: version('ws'),
      playwright: version('playwright'),
    },
  };
}
