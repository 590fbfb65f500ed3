// The extra servers of e2e/servers/sessions.sh: short resumption timeouts, one that a test may restart, and
// their control tools (prosodyctl, ejabberdctl) for what a test changes on the server side.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { ServerName } from './env.js';

const run = promisify(execFile);
const dir = process.env.E2E_DIR ?? '/tmp/antistrophe-e2e';
const script = `${import.meta.dirname}/../servers/sessions.sh`;

export interface SessionServer {
  server: ServerName;
  name: string;
  domain: string;
  websocket: string;
  bosh: string;
  users: Record<string, string>;
  /** The control tool, with the arguments that point it at this instance. */
  ctl: string[];
  log: string;
}

/** Starts the instance unless it runs (idempotent, safe from parallel workers) and describes it. */
export async function sessionServer(server: ServerName, name: string): Promise<SessionServer> {
  await run('bash', [script, server, name, 'start'], { timeout: 90_000 });
  return JSON.parse(readFileSync(`${dir}/sessions/${server}-${name}.json`, 'utf8')) as SessionServer;
}

/** Stops a Prosody instance and starts it again; resolves once it answers. */
export async function restartProsody(name: string): Promise<void> {
  await run('bash', [script, 'prosody', name, 'restart'], { timeout: 60_000 });
}

export async function stopProsody(name: string): Promise<void> {
  await run('bash', [script, 'prosody', name, 'stop'], { timeout: 60_000 });
}

/** Runs the instance's control tool (prosodyctl or ejabberdctl) with `args`. */
export async function ctl(s: SessionServer, ...args: string[]): Promise<string> {
  const [cmd, ...pre] = s.ctl;
  const { stdout } = await run(cmd as string, [...pre, ...args], { timeout: 60_000 });
  return stdout;
}

/** Registers an account, or sets its password when it exists. */
export async function setPassword(s: SessionServer, user: string, password: string): Promise<void> {
  if (s.server === 'prosody') await ctl(s, 'register', user, s.domain, password);
  else await ctl(s, 'register', user, s.domain, password).catch(() => ctl(s, 'change_password', user, s.domain, password));
}

export async function unregister(s: SessionServer, user: string): Promise<void> {
  await ctl(s, s.server === 'prosody' ? 'deluser' : 'unregister', ...(s.server === 'prosody' ? [`${user}@${s.domain}`] : [user, s.domain])).catch(() => undefined);
}
