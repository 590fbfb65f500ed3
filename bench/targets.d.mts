// Types of targets.mjs, for the TypeScript tests of the bench helpers.
export interface TargetRow {
  target: string;
  measured: string;
  threshold: string;
  result: 'PASS' | 'FAIL' | 'n/a';
}
/** `results` is the runner's results object (bench/results.json). */
export function evaluateTargets(results: object): TargetRow[];
