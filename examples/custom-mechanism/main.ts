// Logs in with the custom mechanism and shows which mechanism the server accepted.
import { Connection, type ConnectionError } from '../../src/index.js';
import { PlainLike } from './plain-like.js';

const value = (id: string) => (document.getElementById(id) as HTMLInputElement).value;
const out = document.getElementById('out') as HTMLElement;

document.getElementById('f')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const conn = new Connection(value('service'), { mechanisms: [PlainLike] });
  try {
    await conn.connect(value('jid'), value('password'));
    out.textContent = `logged in as ${conn.jid} with ${conn.mechanism} (custom class: ${conn.mechanisms.includes('PLAIN')})`;
    await conn.disconnect();
  } catch (e) {
    out.textContent = `failed: ${(e as ConnectionError).message}`;
  }
});
