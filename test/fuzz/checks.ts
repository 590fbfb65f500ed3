// The properties checked at the end of every case, as readable problems (an empty list: the case passed).
import { ConnectionError } from '../../src/errors.js';
import { Status, type StatusCode, statusName } from '../../src/status.js';
import { KNOWN_DEFECTS, type Loss } from './known-defects.js';

const KNOWN_STATUS = new Set<number>(Object.values(Status));
/** What a failed connect() may reject with. */
const FAILURE_STATUS = new Set<number>([Status.CONNFAIL, Status.AUTHFAIL, Status.CONNTIMEOUT, Status.DISCONNECTED]);

export type Outcome = 'pending' | 'resolved' | { error: unknown };

export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const at = e.stack?.split('\n').slice(1, 4).map((l) => l.trim()).join(' | ');
  return `${e.name}: ${e.message}${at ? ` @ ${at}` : ''}`;
}

/** connect() settled: resolved only once CONNECTED, or rejected with a ConnectionError of a failure status and a condition. */
export function checkOutcome(outcome: Outcome, online: boolean, problems: string[]): void {
  if (outcome === 'pending') return void problems.push('connect() never settled');
  if (outcome === 'resolved') {
    if (!online) problems.push('connect() resolved without CONNECTED');
    return;
  }
  const e = outcome.error;
  if (!(e instanceof ConnectionError)) return void problems.push(`connect() rejected with ${describeError(e)}`);
  if (!FAILURE_STATUS.has(e.status)) problems.push(`connect() rejected with status ${e.status} (${e.condition})`);
  if (typeof e.condition !== 'string' || e.condition === '') problems.push('connect() rejected without a condition');
}

/** `STATUS:condition` per status. */
export const statusNames = (statuses: readonly [StatusCode, string | undefined][]): string[] =>
  statuses.map(([s, c]) => (KNOWN_STATUS.has(s) ? statusName(s) : `UNKNOWN(${s})`) + (c ? `:${c}` : ''));

/** What the connection says of itself once it is over. */
export interface EndState {
  status: StatusCode;
  connected: boolean;
  authenticated: boolean;
}

/**
 * The end: every status a Status code, DISCONNECTED once and last, nothing reported or sent after it (`ended` and
 * `wire` were taken when it came, the rest after a grace period), and the connection saying it is over.
 */
export function checkEnd(names: readonly string[], ended: number, wire: { atEnd: number; now: number }, state: EndState, problems: string[]): void {
  if (state.status !== Status.DISCONNECTED || state.connected || state.authenticated) problems.push(`after the end: status ${state.status}, connected ${state.connected}, authenticated ${state.authenticated}`);
  if (names.some((n) => n.startsWith('UNKNOWN'))) problems.push('a status that is not a Status code');
  const disconnected = names.filter((n) => n === 'DISCONNECTED' || n.startsWith('DISCONNECTED:')).length;
  if (!names[ended - 1]?.startsWith('DISCONNECTED') || disconnected !== 1) problems.push('DISCONNECTED is not reported once, as the last status');
  if (names.length !== ended) problems.push(`statuses after DISCONNECTED: ${names.slice(ended).join(' ')}`);
  if (wire.now !== wire.atEnd) problems.push('the client still sent to the server after DISCONNECTED');
}

/**
 * Every sendIQ()/acked() promise settled by the end. One left unsettled with the exact symptom of a known defect is
 * returned under its id instead.
 */
export function checkSettled(pending: Iterable<string>, losses: readonly Loss[], names: readonly string[], problems: string[]): string[] {
  const known: string[] = [];
  for (const what of pending) {
    const defect = what === 'acked()' ? KNOWN_DEFECTS.find((d) => d.matches(losses, names)) : undefined;
    if (defect) known.push(defect.id);
    else problems.push(`${what} never settled`);
  }
  return known;
}
