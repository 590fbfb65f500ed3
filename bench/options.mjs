// Command-line options of `node bench/run.mjs` and the repetition counts of the full and the quick run.

const HELP = `usage: node bench/run.mjs [--quick] [--src | --root DIR] [--no-build] [--profile] [--only a,b] [--render]
  --quick     fewer repetitions and smaller N, for iteration (not for the published table)
  --src       bundle antistrophe from its TypeScript sources instead of dist/ (no build needed)
  --root DIR  like --src, from another checkout's src/ and mechanisms/ (to measure a change before it lands)
  --no-build  measure ./dist as it is (default: a private build of this checkout, made by the run)
  --profile   also record CPU profiles of antistrophe's hot paths (bench/out/*.cpuprofile) and list hot spots
  --only      run only these sections: size,online,client,server,parse,scram,memory,soak
  --render    only re-render bench/results.md from bench/results.json`;

export const SECTIONS = ['size', 'online', 'client', 'server', 'parse', 'scram', 'memory', 'soak'];

export function parseOptions(argv) {
  const flags = new Set(argv.filter((a) => a.startsWith('--') && !a.includes('=')));
  if (flags.has('--help')) {
    console.log(HELP);
    process.exit(0);
  }
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? argv[onlyIndex + 1].split(',') : SECTIONS;
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section "${s}"\n${HELP}`);
  const quick = flags.has('--quick');
  const rootIndex = argv.indexOf('--root');
  // read through BENCH_SRC_ROOT by the bundler plugin and the Node memory child
  if (rootIndex >= 0) process.env.BENCH_SRC_ROOT = argv[rootIndex + 1];
  return {
    quick,
    src: flags.has('--src') || rootIndex >= 0,
    srcRoot: rootIndex >= 0 ? argv[rootIndex + 1] : undefined,
    build: !flags.has('--no-build') && !flags.has('--src') && rootIndex < 0,
    profile: flags.has('--profile'),
    only: new Set(only),
    reps: quick
      ? { online: 5, onlineRtt: 3, client: 3, server: 3, parse: 3, scram: 5, scramCold: 3, memory: 1 }
      : { online: 60, onlineRtt: 9, client: 5, server: 5, parse: 7, scram: 15, scramCold: 7, memory: 5 },
    n: quick
      ? { client: 5000, server: 1000, parseRounds: 2, parseMs: 300, memoryConnections: 50, soak: 20000, soakEvery: 2000 }
      : { client: 20000, server: 3000, parseRounds: 5, parseMs: 700, memoryConnections: 200, soak: 100000, soakEvery: 10000 },
  };
}
