// The endpoints, users and certificates written by e2e/servers/start.sh.
import { readFileSync } from 'node:fs';
import { test } from 'playwright/test';

/** What each server listens on: BOSH over http/https, WebSocket over ws/wss. */
export interface Endpoints {
  bosh: { http: string; https: string };
  websocket: { ws: string; wss: string };
}

export interface E2eEnv {
  prosody: Endpoints & {
    hosts: Record<string, { users?: Record<string, string>; tokens?: Record<string, string> }>;
  };
  ejabberd:
    | null
    | (Endpoints & {
        hosts: Record<string, { users?: Record<string, string>; oauthTokenFile?: Record<string, string> }>;
        oauthTokenEndpoint: string;
      });
  oauthValidator: { tokens: string[] };
  certs: {
    ca: string;
    clients: Record<string, { jid: string; cert: string; key: string; p12: string; p12Password: string }>;
  };
  nssdb: Record<string, { home: string; db: string; nickname: string }>;
}

export type ServerName = 'prosody' | 'ejabberd';
export type Scheme = 'ws' | 'wss' | 'http' | 'https';

const dir = process.env.E2E_DIR ?? '/tmp/antistrophe-e2e';
const NO_EJABBERD = 'ejabberd is not running (E2E_NO_EJABBERD=1)';

/** Reads env.json; the servers must have been started (npm run e2e:servers). */
export function e2eEnv(): E2eEnv {
  let env: E2eEnv;
  try {
    env = JSON.parse(readFileSync(`${dir}/env.json`, 'utf8')) as E2eEnv;
  } catch {
    throw new Error(`no ${dir}/env.json: start the servers first (npm run e2e:servers)`);
  }
  // ejabberd cases are only skipped on request, never silently; the request wins over a running ejabberd
  if (process.env.E2E_NO_EJABBERD) return { ...env, ejabberd: null };
  if (!env.ejabberd) {
    throw new Error(`${dir}/env.json has no ejabberd: run e2e/servers/start.sh without E2E_NO_EJABBERD (or set E2E_NO_EJABBERD=1 to skip its cases)`);
  }
  return env;
}

/**
 * A server's endpoints, for use inside a test body: without ejabberd its cases are reported as skipped (tests are
 * always declared, so a run without it still lists them). Never call it at module level: it would skip the file.
 */
export function server(env: E2eEnv, name: ServerName): Endpoints {
  if (name === 'prosody') return env.prosody;
  test.skip(!env.ejabberd, NO_EJABBERD);
  return env.ejabberd as Endpoints;
}

/**
 * ejabberd 24.12's mod_bosh strands a request that reaches its session before the one with the previous rid: the
 * session answers neither again, and a resend of it ends the session with internal-server-error. Requests of one
 * client leave in order but travel on separate HTTP connections, so under load this happens now and then. Its
 * BOSH cases run in describes with these retries, which the report then lists as flaky instead of hiding
 * (E2E_EJABBERD_RETRIES=0 shows the server as it is).
 */
export const EJABBERD_BOSH_RETRIES = Number(process.env.E2E_EJABBERD_RETRIES ?? 2);

/**
 * Options for BOSH tests that keep several sessions busy at once: on ejabberd, requests are spaced wider than the
 * library's default, which makes the stranding above rarer (it cannot rule it out).
 */
export function boshOptions(name: ServerName): { boshTiming?: { minSpacing: number } } {
  return name === 'ejabberd' ? { boshTiming: { minSpacing: 50 } } : {};
}

/** One endpoint URL of a server (see {@link server}). */
export function endpoint(env: E2eEnv, name: ServerName, scheme: Scheme): string {
  const s = server(env, name);
  return scheme === 'ws' || scheme === 'wss' ? s.websocket[scheme] : s.bosh[scheme];
}

/** ejabberd's X-OAUTH2 token for alice, issued by start.sh (see {@link server}). */
export function ejabberdToken(env: E2eEnv): string {
  server(env, 'ejabberd');
  const file = env.ejabberd?.hosts['ej.localhost']?.oauthTokenFile?.alice;
  if (!file) throw new Error('env.json names no X-OAUTH2 token file for alice@ej.localhost');
  return readFileSync(file, 'utf8').trim();
}
