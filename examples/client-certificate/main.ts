// Logs in with the TLS client certificate the browser holds (SASL EXTERNAL) and shows the bound JID and mechanism.
import { Connection, type ConnectionError, Status, type StatusCode, statusName } from '../../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
for (const id of ['service', 'jid']) {
  const value = params.get(id);
  if (value) $<HTMLInputElement>(id).value = value;
}

let conn: Connection | undefined;

/**
 * Chromium answers a server's certificate request on HTTPS requests but not during a WebSocket handshake: there it
 * only reuses a certificate already chosen for that host and port. One request to the origin makes that choice.
 */
async function chooseCertificateFor(service: string): Promise<void> {
  if (!/^wss:/i.test(service)) return;
  const origin = new URL(service.replace(/^wss:/i, 'https:')).origin;
  await fetch(`${origin}/`, { mode: 'no-cors', credentials: 'include', cache: 'no-store' }).catch(() => undefined);
}

function show(status: StatusCode, condition?: string): void {
  $('status').textContent = `${statusName(status)}${condition ? ` (${condition})` : ''}`;
  $<HTMLButtonElement>('disconnect').disabled = status !== Status.CONNECTED;
  $<HTMLButtonElement>('connect').disabled = status === Status.CONNECTING || status === Status.AUTHENTICATING;
}

$('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const service = $<HTMLInputElement>('service').value.trim();
  $('bound').textContent = '–';
  $('mechanism').textContent = '–';
  $('error').textContent = '–';
  await conn?.disconnect();
  // EXTERNAL only: no password exists here, and a domain-only JID must never fall back to an anonymous login.
  // credentials 'include': cross-origin BOSH requests carry the certificate (and the server must allow it by CORS).
  const c = new Connection(service, { mechanisms: ['EXTERNAL'], credentials: 'include' });
  conn = c;
  try {
    await chooseCertificateFor(service);
    await c.connect($<HTMLInputElement>('jid').value.trim(), null, show);
    $('bound').textContent = c.jid;
    $('mechanism').textContent = c.mechanism ?? '?';
  } catch (e) {
    $('error').textContent = (e as ConnectionError).message;
  }
});

$('disconnect').addEventListener('click', () => {
  conn?.disconnect();
});
