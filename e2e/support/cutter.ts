// What a fault-injection proxy does with each unit it relays (a WebSocket frame, a BOSH body): pass it, cut the
// connection at a planned point, or make the session's resumption fail. Transport-neutral; the proxies act on it.
import type { CutKind, PlannedCut, SetupCut } from './cut-plan.js';

export type Dir = 'up' | 'down';

/** `pass`: relay `text`. `cut`: relay it first (`pass`), not at all (`drop`) or half of it (`half`), then cut. */
export type Verdict = { do: 'pass'; text: string } | { do: 'cut'; how: 'pass' | 'drop' | 'half' } | { do: 'swallow' };

/** One connection through the proxy (a WebSocket, or a BOSH session). */
export interface ProxiedConn {
  readonly index: number;
  /** How the server answered a `<resume/>` here, if one came. */
  resume?: 'resumed' | 'failed-h' | 'failed';
  /** The answer itself, for the report. */
  answer?: string;
  /** The session is up on it, stream management included (resumed, or enabled): online cuts wait for this. */
  online: boolean;
  /** The ids of test messages relayed whole to the server on it. */
  readonly up: string[];
  /** A `silent` cut: nothing passes either way any more. */
  silent: boolean;
  closed: boolean;
  /** What passed, for a report: `>name`/`<name` per element that is not a test message (the first 40). */
  readonly trace: string[];
}

export interface FiredCut {
  kind: CutKind;
  conn: number;
  /** Test messages relayed when it fired. */
  at: number;
}

const SM = `['"]urn:xmpp:sm:3['"]`;
const has = {
  r: new RegExp(`<r\\s[^>]*xmlns=${SM}`),
  a: new RegExp(`<a\\s[^>]*xmlns=${SM}`),
  enable: new RegExp(`<enable\\s[^>]*xmlns=${SM}`),
  resume: new RegExp(`<resume\\s[^>]*xmlns=${SM}`),
  resumed: new RegExp(`<resumed\\s[^>]*xmlns=${SM}`),
  failed: new RegExp(`<failed\\s[^>]*xmlns=${SM}`),
  saslAnswer: /<(challenge|success)\s[^>]*xmlns=['"]urn:ietf:params:xml:ns:xmpp-sasl['"]/,
  bound: /<jid>[^<]*<\/jid>\s*<\/bind>/,
  enabled: new RegExp(`<enabled\\s[^>]*xmlns=${SM}`),
};

export interface CutterOptions {
  /** Prefix of the test messages' ids: only they count towards the plan. */
  tag: string;
  /** Every `<resume/>` names a session the server does not know (it answers `<failed/>` without h). */
  failResume?: boolean;
  /** How long an `expire` cut keeps the client away (ms). */
  expireMs?: number;
}

/**
 * A half-frame cut waits for a test message going its way; after this many relayed without one (that side has
 * sent all of its messages) it takes the next frame going that way, so that every planned cut fires.
 */
const STARVED = 50;

/** Follows a {@link PlannedCut} list through the relayed traffic. */
export class Cutter {
  readonly conns: ProxiedConn[] = [];
  readonly fired: FiredCut[] = [];
  /** Test messages relayed whole so far, both directions. */
  relayed = 0;
  /** Connections refused while an `expire` cut keeps the client away. */
  refused = 0;
  readonly #plan: PlannedCut[];
  readonly #opts: CutterOptions;
  readonly #ids: RegExp;
  #armed: PlannedCut | undefined;
  /** `relayed` when the armed cut was armed. */
  #armedAt = 0;
  /** The side whose `<r/>` an armed `r-a` cut let through. */
  #rDir: Dir | undefined;
  #setup: SetupCut[] = [];
  #awaitResumed = false;
  #blockedUntil = 0;
  /** After an `expire` cut the next `<resume/>` goes through untouched: the server tells h itself. */
  #honestResume = false;
  /** The last `<resume/>` each connection sent. */
  readonly #lastUp = new WeakMap<ProxiedConn, string>();

  constructor(plan: readonly PlannedCut[], opts: CutterOptions) {
    this.#plan = [...plan];
    this.#opts = opts;
    this.#ids = new RegExp(`<message\\s[^>]*\\bid=['"](${escapeRe(opts.tag)}[^'"]*)['"]`, 'g');
  }

  /** What still waits to fire, for a report: the armed cut, setup cuts, the rest of the plan. */
  get waiting(): string {
    const next = this.#plan.slice(0, 3).map((c) => `${c.kind}@${c.at}`);
    return [this.#armed ? `armed ${this.#armed.kind}@${this.#armed.at}` : 'none armed', `setup [${this.#setup.join(' ')}]`, `next ${next.join(' ')}`].join(', ');
  }

  /** Planned cuts not fired yet. */
  get pending(): number {
    return this.#plan.length + (this.#armed ? 1 : 0) + this.#setup.length;
  }

  /** A new connection: undefined while an `expire` cut keeps the client away. */
  open(): ProxiedConn | undefined {
    if (Date.now() < this.#blockedUntil) {
      this.refused++;
      return undefined;
    }
    const conn: ProxiedConn = { index: this.conns.length, up: [], online: false, silent: false, closed: false, trace: [] };
    this.conns.push(conn);
    this.#awaitResumed = false;
    return conn;
  }

  /** Keeps every new connection away for `ms` (a server that cannot be reached; Infinity until unblock()). */
  block(ms: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, Date.now() + ms);
  }

  /** Lets the client in again. */
  unblock(): void {
    this.#blockedUntil = 0;
  }

  judge(conn: ProxiedConn, dir: Dir, text: string): Verdict {
    if (conn.trace.length < 40) {
      for (const m of text.matchAll(/<(?!message\b)([a-z:]+)[\s/>]/g)) if (m[1] !== 'body') conn.trace.push(`${dir === 'up' ? '>' : '<'}${m[1]}`);
    }
    if (conn.silent || conn.closed) return { do: 'swallow' };
    // the unit that brings the session up passes: an online cut strikes a session the client knows is up
    const wasOnline = conn.online;
    this.#noteResume(conn, dir, text);
    const setup = this.#setupVerdict(conn, dir, text);
    if (setup) return setup;
    if (!this.#armed && this.#plan[0] && this.relayed >= this.#plan[0].at) {
      this.#armed = this.#plan.shift();
      this.#armedAt = this.relayed;
    }
    const online = this.#armed && wasOnline && this.#onlineVerdict(this.#armed, conn, dir, text);
    if (online) return online;
    if (dir === 'up' && this.#opts.failResume && has.resume.test(text)) {
      if (this.#honestResume) this.#honestResume = false;
      else text = text.replace(/\bprevid=(['"])([^'"]*)\1/, "previd='unknown-$2'");
    }
    this.#count(conn, dir, text);
    return { do: 'pass', text };
  }

  /** Only what went whole counts (a `half` cut's message did not). */
  #count(conn: ProxiedConn, dir: Dir, text: string): void {
    for (const m of text.matchAll(this.#ids)) {
      this.relayed++;
      if (dir === 'up') conn.up.push(m[1] as string);
    }
  }

  /** Notes how a resumption ended, and when the session is up (the online cuts wait for that). */
  #noteResume(conn: ProxiedConn, dir: Dir, text: string): void {
    if (dir !== 'down') return;
    if (has.resumed.test(text) || has.enabled.test(text)) conn.online = true;
    if (conn.resume !== undefined || !this.#lastUp.has(conn)) return;
    const answer = has.resumed.exec(text) ?? has.failed.exec(text);
    if (!answer) return;
    conn.answer = text.slice(answer.index, answer.index + 200);
    conn.resume = answer[0].startsWith('<resumed') ? 'resumed' : /^<failed\s[^>]*\bh=['"]\d+['"]/.test(conn.answer) ? 'failed-h' : 'failed';
  }

  #setupVerdict(conn: ProxiedConn, dir: Dir, text: string): Verdict | undefined {
    if (dir === 'up' && has.resume.test(text)) this.#lastUp.set(conn, text);
    const target = this.#setup[0];
    if (!target) return undefined;
    const hit =
      (target === 'sasl' && dir === 'down' && has.saslAnswer.test(text)) ||
      (target === 'bind' && dir === 'down' && has.bound.test(text)) ||
      (target === 'enable' && dir === 'up' && has.enable.test(text)) ||
      (target === 'resume' && dir === 'down' && this.#awaitResumed && (has.resumed.test(text) || has.failed.test(text)));
    if (target === 'resume' && dir === 'up' && has.resume.test(text)) this.#awaitResumed = true;
    if (!hit) return undefined;
    this.#setup.shift();
    return this.#fire(target, conn, target === 'enable' ? 'pass' : 'drop', dir, text);
  }

  #onlineVerdict(cut: PlannedCut, conn: ProxiedConn, dir: Dir, text: string): Verdict | undefined {
    const message = this.#ids.test(text);
    this.#ids.lastIndex = 0;
    switch (cut.kind) {
      case 'reset':
        return this.#fireArmed(cut, conn, 'drop', dir, text);
      case 'half-up':
      case 'half-down':
        // a message frame; once the messages that way have ended (waited past STARVED relayed), any frame that way
        return (message || this.relayed - this.#armedAt > STARVED) && dir === (cut.kind === 'half-up' ? 'up' : 'down')
          ? this.#fireArmed(cut, conn, 'half', dir, text)
          : undefined;
      case 'silent':
        this.#fireArmed(cut, conn, 'drop', dir, text);
        conn.silent = true;
        return { do: 'swallow' };
      case 'r-a':
        if (this.#rDir && dir !== this.#rDir && has.a.test(text)) return this.#fireArmed(cut, conn, 'drop', dir, text);
        if (!this.#rDir && has.r.test(text)) this.#rDir = dir;
        return undefined;
    }
  }

  #fireArmed(cut: PlannedCut, conn: ProxiedConn, how: 'pass' | 'drop' | 'half', dir: Dir, text: string): Verdict {
    this.#armed = undefined;
    this.#rDir = undefined;
    if (cut.after) this.#setup.push(cut.after);
    if (cut.expire) {
      this.block(this.#opts.expireMs ?? 0);
      this.#honestResume = true;
    }
    return this.#fire(cut.kind, conn, how, dir, text);
  }

  #fire(kind: CutKind, conn: ProxiedConn, how: 'pass' | 'drop' | 'half', dir: Dir, text: string): Verdict {
    if (how === 'pass') this.#count(conn, dir, text);
    this.fired.push({ kind, conn: conn.index, at: this.relayed });
    conn.closed = true;
    return { do: 'cut', how };
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
