// OAuth token validator stub for Prosody's mod_auth_oauthbearer (host oauth.localhost).
// Prosody calls GET /validate/<token> with "Authorization: Basic <client_id:client_secret>";
// any 2xx answer means the token is valid. Node builtins only.
//
// Environment:
//   OAUTH_PORT          listen port on 127.0.0.1 (default 15290)
//   OAUTH_CERT, OAUTH_KEY  TLS certificate/key (PEM) files (required)
//   OAUTH_TOKENS        comma-separated valid tokens (default e2e-token-alice,e2e-token-bob)
//   OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET  expected Basic credentials (default antistrophe-e2e / e2e-secret)
import https from 'node:https';
import { readFileSync } from 'node:fs';

const port = Number(process.env.OAUTH_PORT || 15290);
const certFile = process.env.OAUTH_CERT;
const keyFile = process.env.OAUTH_KEY;
if (!certFile || !keyFile) {
  console.error('oauth-validator: OAUTH_CERT and OAUTH_KEY must name PEM files');
  process.exit(2);
}
const tokens = new Set((process.env.OAUTH_TOKENS || 'e2e-token-alice,e2e-token-bob').split(',').filter(Boolean));
const clientId = process.env.OAUTH_CLIENT_ID || 'antistrophe-e2e';
const clientSecret = process.env.OAUTH_CLIENT_SECRET || 'e2e-secret';
const expectedAuth = 'Basic ' + Buffer.from(`${clientId}:${clientSecret}`).toString('base64');

const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  const m = /^\/validate\/([^/?#]+)$/.exec(req.url || '');
  let token = null;
  try { token = m ? decodeURIComponent(m[1]) : null; } catch { token = null; }
  const ok = req.method === 'GET' && token !== null && tokens.has(token) && req.headers.authorization === expectedAuth;
  res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ valid: ok }));
});
server.on('error', (err) => { console.error('oauth-validator:', err.message); process.exit(1); });
server.listen(port, '127.0.0.1', () => console.log(`oauth validator listening on https://127.0.0.1:${port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
