#!/usr/bin/env node
// Lists every surviving or uncovered mutant of a Stryker JSON report that has neither a killing test nor a written
// reason in test/mutation/reasons.json; exits 1 when there is any. Usage:
//   node scripts/mutation-triage.mjs [report.json] [--reasons path] [--unused]
// A reason is a rule (narrow pattern over mutator, file, the text before the mutant on its line, the original text
// and the replacement) or a per-mutant entry keyed "file:line:column mutatorName replacement" (never Stryker's
// numeric id, which changes between runs). "killed" maps the same keys to the test written to kill the mutant, so an
// older report still passes; --unused lists entries and rules that match no open mutant (after a new run, the
// "killed" entries should all be unused: their mutants are then Killed).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const showUnused = args.includes('--unused');
if (showUnused) args.splice(args.indexOf('--unused'), 1);
const reasonsPath = flag('--reasons') ?? 'test/mutation/reasons.json';
const reportPath = args[0] ?? 'reports/mutation/mutation.json';

const report = JSON.parse(readFileSync(reportPath, 'utf8'));
const reasons = JSON.parse(readFileSync(reasonsPath, 'utf8'));

const rules = (reasons.rules ?? []).map((r) => {
  if (!r.reason || !r.mutator) throw new Error(`rule ${r.id ?? '?'}: needs "mutator" and "reason"`);
  const re = (s) => (s === undefined ? undefined : new RegExp(s, 'su'));
  return { ...r, fileRe: re(r.file), beforeRe: re(r.before), originalRe: re(r.original), replacementRe: re(r.replacement), hits: 0 };
});
const entries = { ...(reasons.killed ?? {}), ...(reasons.mutants ?? {}) };
const killedKeys = new Set(Object.keys(reasons.killed ?? {}));
const usedEntries = new Set();

/** Text of the source between two 1-based locations. */
function slice(lines, start, end) {
  if (start.line === end.line) return lines[start.line - 1].slice(start.column - 1, end.column - 1);
  const out = [lines[start.line - 1].slice(start.column - 1)];
  for (let l = start.line; l < end.line - 1; l++) out.push(lines[l]);
  out.push(lines[end.line - 1].slice(0, end.column - 1));
  return out.join('\n');
}

export const keyOf = (file, m) => `${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${m.replacement ?? ''}`;

let open = 0;
let explained = 0;
let byKilled = 0;
let byEntry = 0;
const byRule = new Map();
// Only the files the reasons file is about (the authentication code); a full `npm run mutation` also mutates the
// connection and the transports, whose survivors are not triaged here.
const scope = new RegExp(reasons.scope ?? '', 'u');
for (const [file, data] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (!scope.test(file)) continue;
  const lines = data.source.split('\n');
  for (const m of data.mutants) {
    if (m.status !== 'Survived' && m.status !== 'NoCoverage') continue;
    const key = keyOf(file, m);
    if (Object.hasOwn(entries, key)) {
      // a key may stand for several mutants with the same start and replacement (a condition and its left operand)
      usedEntries.add(key);
      explained++;
      if (killedKeys.has(key)) byKilled++;
      else byEntry++;
      continue;
    }
    const original = slice(lines, m.location.start, m.location.end);
    const before = lines[m.location.start.line - 1].slice(0, m.location.start.column - 1);
    const rule = rules.find(
      (r) =>
        [r.mutator].flat().includes(m.mutatorName) &&
        (!r.fileRe || r.fileRe.test(file)) &&
        (!r.beforeRe || r.beforeRe.test(before)) &&
        (!r.originalRe || r.originalRe.test(original)) &&
        (!r.replacementRe || r.replacementRe.test(m.replacement ?? '')),
    );
    if (rule) {
      rule.hits++;
      explained++;
      byRule.set(rule.id, (byRule.get(rule.id) ?? 0) + 1);
      continue;
    }
    open++;
    const shown = (s) => JSON.stringify(s.length > 100 ? `${s.slice(0, 100)}…` : s);
    console.log(`${m.status.padEnd(10)} ${JSON.stringify(key)}\n           ${shown(original)} -> ${shown(m.replacement ?? '')}`);
  }
}

if (showUnused) {
  for (const k of Object.keys(entries)) if (!usedEntries.has(k)) console.log(`unused entry: ${JSON.stringify(k)}`);
  for (const r of rules) if (r.hits === 0) console.log(`unused rule: ${r.id}`);
}
console.log(
  `${explained} survivors explained (${byKilled} by a killing test, ${byEntry} by a per-mutant reason, ${[...byRule].map(([id, n]) => `${n} by rule ${id}`).join(', ') || 'none by rule'}); ${open} without a test or a reason`,
);
process.exit(open > 0 ? 1 : 0);
