// The endpoints, users and certificates written by e2e/servers/start.sh.
import { readFileSync } from 'node:fs';

export interface E2eEnv {
  prosody: {
    bosh: { http: string; https: string };
    websocket: { ws: string; wss: string };
    hosts: Record<string, { users?: Record<string, string>; tokens?: Record<string, string> }>;
  };
  ejabberd: null | {
    bosh: { http: string; https: string };
    websocket: { ws: string; wss: string };
    hosts: Record<string, { users?: Record<string, string>; oauthTokenFile?: Record<string, string> }>;
    oauthTokenEndpoint: string;
  };
  oauthValidator: { tokens: string[] };
  certs: {
    ca: string;
    clients: Record<string, { jid: string; cert: string; key: string; p12: string; p12Password: string }>;
  };
  nssdb: Record<string, { home: string; db: string; nickname: string }>;
}

const dir = process.env.E2E_DIR ?? '/tmp/antistrophe-e2e';

/** Reads env.json; the servers must have been started (npm run e2e:servers). */
export function e2eEnv(): E2eEnv {
  let env: E2eEnv;
  try {
    env = JSON.parse(readFileSync(`${dir}/env.json`, 'utf8')) as E2eEnv;
  } catch {
    throw new Error(`no ${dir}/env.json: start the servers first (npm run e2e:servers)`);
  }
  // ejabberd cases are only skipped on request, never silently
  if (!env.ejabberd && !process.env.E2E_NO_EJABBERD) {
    throw new Error(`${dir}/env.json has no ejabberd: run e2e/servers/start.sh without E2E_NO_EJABBERD (or set E2E_NO_EJABBERD=1 to skip its cases)`);
  }
  return env;
}
