// A small chat page: login form, roster, messages and a protocol log, on the antistrophe public API.
import { $msg, $pres, $iq, Connection, type ConnectionError, Status, type StatusCode, statusName } from '../../src/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const defaults = (window as { DEMO?: { service: string; jid: string; password: string } }).DEMO;
const params = new URLSearchParams(location.search);
$<HTMLInputElement>('service').value = params.get('service') ?? defaults?.service ?? `ws://${location.hostname}:15280/xmpp-websocket`;
$<HTMLInputElement>('jid').value = params.get('jid') ?? defaults?.jid ?? 'alice@localhost';
$<HTMLInputElement>('password').value = defaults?.password ?? '';

let conn: Connection | undefined;

function log(line: string): void {
  const pane = $('log');
  pane.textContent += `${new Date().toISOString().slice(11, 23)} ${line}\n`;
  pane.scrollTop = pane.scrollHeight;
}

function show(cls: 'in' | 'out', who: string, text: string): void {
  const p = document.createElement('p');
  p.className = cls;
  p.textContent = `${who}: ${text}`;
  $('messages').append(p);
}

async function loadRoster(c: Connection): Promise<void> {
  const result = await c.sendIQ($iq({ type: 'get' }).c('query', { xmlns: 'jabber:iq:roster' }));
  const list = $('roster');
  list.replaceChildren();
  for (const item of result.getChild('query', 'jabber:iq:roster')?.getChildren('item') ?? []) {
    const li = document.createElement('li');
    li.textContent = item.attrs.name ? `${item.attrs.name} (${item.attrs.jid})` : (item.attrs.jid ?? '');
    li.onclick = () => ($<HTMLInputElement>('to').value = item.attrs.jid ?? '');
    list.append(li);
  }
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const mech = $<HTMLSelectElement>('mechanism').value;
  const password = $<HTMLInputElement>('password').value;
  // reconnect: a dropped network brings the session back by itself (resumed with XEP-0198 where the server can)
  conn = new Connection($<HTMLInputElement>('service').value, {
    mechanisms: mech ? [mech] : undefined,
    reconnect: true,
    logger: { warn: (e, f) => log(`warn ${e} ${JSON.stringify(f)}`) },
  });
  conn.xmlInput = (el) => log(`<< ${el.toString()}`);
  conn.xmlOutput = (el) => log(`>> ${el.toString()}`); // SASL payloads arrive here already redacted
  const c = conn;
  c.connect($<HTMLInputElement>('jid').value, password || null, (status: StatusCode, condition?: string) => {
    const reconnecting = status === Status.RECONNECTING;
    $('status').textContent = reconnecting ? `reconnecting… (${condition})` : `${statusName(status)}${condition ? ` (${condition})` : ''}`;
    $('status').className = reconnecting ? 'reconnecting' : '';
    $<HTMLButtonElement>('disconnect').disabled = status !== Status.CONNECTED && !reconnecting;
    if (status !== Status.CONNECTED) return;
    log(`connected as ${c.jid} with ${c.mechanism}${condition ? ` (${condition})` : ''}`);
    // handlers stay registered across reconnects: add them once, at the first login
    if (!condition) {
      c.addHandler((m) => {
        const body = m.getChildText('body');
        if (body) show('in', m.attrs.from ?? '?', body);
        return true;
      }, null, 'message');
    }
    // a resumed session kept its presence and roster; a new one needs them again
    if (condition !== 'resumed') {
      c.send($pres());
      loadRoster(c).catch((e: Error) => log(`roster: ${e.message}`));
    }
  }).catch((e: ConnectionError) => log(`connect failed: ${e.message}`));
});

$('disconnect').addEventListener('click', () => conn?.disconnect('bye'));

$('compose').addEventListener('submit', (event) => {
  event.preventDefault();
  if (!conn?.authenticated) return log('not connected'); // while reconnecting, messages wait and go out after
  const to = $<HTMLInputElement>('to').value;
  const body = $<HTMLInputElement>('body').value;
  conn.send($msg({ to, type: 'chat' }).c('body').t(body));
  show('out', 'me', body);
  $<HTMLInputElement>('body').value = '';
});
