// Runs inside the page (passed to page.evaluate, so it uses only the page's globals): a login, a message and a
// failing login, with every debug hook, the logger's four levels, onError (fed by a hook that throws) and the
// status callback all writing into one buffer; returns the buffer, storage dumps and the failure's texts.
import type { ConnectionError, Credentials, StatusCode, XmlElement } from '../../src/index.js';

export interface LeakInput {
  service: string;
  jid: string;
  mechanism: string;
  good: Credentials;
  bad: Credentials;
  keepalive: boolean;
  /** Any further connection options (JSON). */
  extra: Record<string, unknown>;
}

export interface LeakOutput {
  ok: boolean;
  mechanism?: string;
  loginError?: string;
  echoed: boolean;
  buffer: string;
  /** sessionStorage and localStorage: while online, after the failed login, after disconnecting. */
  storage: string[];
  failure?: { status: number; condition: string; text: string; message: string; string: string };
}

export async function recordedLogins(c: LeakInput): Promise<LeakOutput> {
  const lines: string[] = [];
  const show = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => {
      if (x instanceof Error) return { ...x, name: x.name, message: x.message, stack: x.stack };
      if (x instanceof A.XmlElement) return x.toString();
      return x;
    });
  const put = (where: string, v: unknown) => lines.push(`${where} ${typeof v === 'string' ? v : show(v)}`);
  const level = (name: string) => (event: string, fields?: Record<string, unknown>) => put(`logger.${name}`, [event, fields]);
  const options = {
    ...c.extra,
    mechanisms: [c.mechanism],
    keepalive: c.keepalive,
    logger: { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') },
    onError: (e: unknown, where: string) => put(`onError ${where}`, e),
  };
  const status = (s: StatusCode, condition?: string, el?: XmlElement) => put('status', [A.statusName(s), condition, el]);
  const open = () => {
    const conn = new A.Connection(c.service, options);
    conn.xmlInput = (el) => put('xmlInput', el.toString());
    conn.xmlOutput = (el) => put('xmlOutput', el.toString());
    conn.rawInput = (d) => {
      put('rawInput', d);
      // a throwing hook is reported to onError: what it carries is checked with the rest
      if (/<(?:\w+:)?(?:success|failure)\b/.test(d)) throw new Error(`hook refused: ${d}`);
    };
    conn.rawOutput = (d) => put('rawOutput', d);
    return conn;
  };
  const storage = () => {
    const dump = (s: Storage) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i) ?? '')]));
    return JSON.stringify({ sessionStorage: dump(sessionStorage), localStorage: dump(localStorage) });
  };

  const good = open();
  const loginError = await good.connect(c.jid, c.good, status).then(
    () => undefined,
    (e: Error) => e.message,
  );
  if (loginError) return { ok: false, loginError, echoed: false, buffer: lines.join('\n'), storage: [storage()] };
  const tag = `leak-${Math.random().toString(36).slice(2)}`;
  const echoed = new Promise<boolean>((resolve) => {
    good.addHandler((m) => (m.getChildText('body') === tag ? resolve(true) : true), null, 'message');
    setTimeout(() => resolve(false), 10_000);
  });
  good.send(A.$msg({ to: good.jid, type: 'chat' }).c('body').t(tag));
  const out: LeakOutput = { ok: true, mechanism: good.mechanism, echoed: await echoed, buffer: '', storage: [storage()] };

  const e = await open()
    .connect(c.jid.replace(/\/.*/, ''), c.bad, status)
    .then(
      () => undefined,
      (err: ConnectionError) => err,
    );
  if (e) out.failure = { status: e.status, condition: e.condition, text: e.text, message: e.message, string: String(e) };
  out.storage.push(storage());
  await good.disconnect();
  out.storage.push(storage());
  out.buffer = lines.join('\n');
  return out;
}
