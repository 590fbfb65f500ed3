#!/usr/bin/env node
// Smoke check for the servers started by start.sh: opens a BOSH session on every endpoint for every host,
// prints the offered SASL mechanisms and exits non-zero when an expected mechanism is missing.
// Also checks EXTERNAL with client certificates on the https endpoints. Node builtins only.
//   node e2e/servers/check.mjs [path/to/env.json]     (default $E2E_DIR/env.json, E2E_DIR=/tmp/antistrophe-e2e)
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';

const envFile = process.argv[2] || `${process.env.E2E_DIR || '/tmp/antistrophe-e2e'}/env.json`;
let env;
try { env = JSON.parse(readFileSync(envFile, 'utf8')); } catch (e) {
  console.error(`cannot read ${envFile} (run e2e/servers/start.sh first): ${e.message}`);
  process.exit(2);
}
const ca = readFileSync(env.certs.ca);
const clientTls = (id) => ({ cert: readFileSync(env.certs.clients[id].cert), key: readFileSync(env.certs.clients[id].key) });

const EXPECTED = {
  localhost: ['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'],
  'anon.localhost': ['ANONYMOUS'],
  'cyrus.localhost': ['DIGEST-MD5', 'SCRAM-SHA-512'],
  'oauth.localhost': ['OAUTHBEARER'],
  'ej.localhost': ['PLAIN', 'DIGEST-MD5', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'X-OAUTH2'],
  'anon.ej.localhost': ['ANONYMOUS'],
};

function post(url, body, tls = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    const opts = {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8' },
      timeout: 10000,
      ...(secure ? { ca, ...tls, agent: false } : { agent: false }),
    };
    const req = (secure ? https : http).request(u, opts, (res) => {
      let d = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { d += c; });
      res.on('end', () => (res.statusCode === 200 ? resolve(d) : reject(new Error(`HTTP ${res.statusCode} ${d.slice(0, 200)}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function mechanisms(url, domain, tls) {
  const rid = Math.floor(Math.random() * 1e9);
  const r = await post(url, `<body rid='${rid}' to='${domain}' ver='1.6' wait='10' hold='1' xml:lang='en' `
    + `xmlns='http://jabber.org/protocol/httpbind' xmpp:version='1.0' xmlns:xmpp='urn:xmpp:xbosh'/>`, tls);
  if (/type=['"]terminate['"]/.test(r)) throw new Error(`session terminated: ${r.slice(0, 300)}`);
  const sid = (/sid=['"]([^'"]+)['"]/.exec(r) || [])[1];
  const mechs = [...r.matchAll(/<mechanism>([^<]+)<\/mechanism>/g)].map((m) => m[1]);
  if (sid) {
    await post(url, `<body rid='${rid + 1}' sid='${sid}' type='terminate' xmlns='http://jabber.org/protocol/httpbind'/>`, tls)
      .catch(() => {});
  }
  if (!/<(?:stream:)?features/.test(r)) throw new Error(`no stream features in the session creation response: ${r.slice(0, 300)}`);
  return mechs;
}

const checks = [];
const add = (server, url, domain, expect, opts = {}) => checks.push({ server, url, domain, expect, ...opts });
for (const url of [env.prosody.bosh.http, env.prosody.bosh.https]) {
  for (const d of ['localhost', 'anon.localhost', 'cyrus.localhost', 'oauth.localhost']) add('prosody', url, d, EXPECTED[d]);
}
add('prosody', env.prosody.bosh.https, 'localhost', [...EXPECTED.localhost, 'EXTERNAL'], { cert: 'alice' });
add('prosody', env.prosody.bosh.https, 'cert.localhost', ['EXTERNAL'], { cert: 'certuser' });
if (env.ejabberd) {
  for (const url of [env.ejabberd.bosh.http, env.ejabberd.bosh.https]) {
    for (const d of ['ej.localhost', 'anon.ej.localhost']) add('ejabberd', url, d, EXPECTED[d]);
  }
}

let failed = 0;
await Promise.all(checks.map(async (c) => {
  try {
    c.mechs = await mechanisms(c.url, c.domain, c.cert ? clientTls(c.cert) : {});
    c.missing = c.expect.filter((m) => !c.mechs.includes(m));
  } catch (e) {
    c.error = e.message;
  }
}));
for (const c of checks) {
  const label = `${c.url} ${c.domain}${c.cert ? ` [cert ${c.cert}]` : ''}`;
  if (c.error) {
    failed++;
    console.log(`FAIL ${label}: ${c.error}`);
  } else if (c.missing.length) {
    failed++;
    console.log(`FAIL ${label}: ${c.mechs.join(' ') || '(none)'} — missing ${c.missing.join(' ')}`);
  } else {
    console.log(`ok   ${label}: ${c.mechs.join(' ')}`);
  }
}

// the OAuth validator Prosody's oauth.localhost depends on
try {
  const v = env.oauthValidator;
  const status = await new Promise((resolve, reject) => {
    https.get(v.url.replace('{token}', encodeURIComponent(v.tokens[0])), {
      ca, agent: false, timeout: 5000,
      headers: { Authorization: 'Basic ' + Buffer.from(`${v.clientId}:${v.clientSecret}`).toString('base64') },
    }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
  });
  if (status !== 200) throw new Error(`HTTP ${status}`);
  console.log(`ok   oauth validator ${v.url}`);
} catch (e) {
  failed++;
  console.log(`FAIL oauth validator: ${e.message}`);
}

console.log(failed ? `${failed} check(s) failed` : `all ${checks.length + 1} checks passed`);
process.exit(failed ? 1 : 0);
