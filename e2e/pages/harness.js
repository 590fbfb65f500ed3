// In-page helpers for the e2e tests: the built library on window.A, connections kept by name on window.conns.
import * as A from '/dist/index.js';

const conns = {};
window.A = A;
window.conns = conns;

/** Builds options from JSON-friendly input (mechanism names pass through as the whitelist). */
function toOptions(options = {}) {
  return { ...options };
}

/** Keeps `conn` as `key`, collecting its statuses; incoming messages go to conn.inbox from `now` or once online. */
function track(key, conn, now) {
  const statuses = [];
  conns[key] = conn;
  conn.inbox = [];
  conn.statuses = statuses;
  const collect = () =>
    conn.addHandler((m) => {
      conn.inbox.push({ from: m.getAttribute('from'), body: m.getChildText('body') ?? null, xml: m.toString() });
      return true;
    }, null, 'message');
  if (now) collect();
  return (s, condition) => {
    statuses.push(condition ? `${A.statusName(s)}:${condition}` : A.statusName(s));
    if (!now && (s === A.Status.CONNECTED || s === A.Status.ATTACHED)) collect();
  };
}

/** The outcome of a connect/restore/attach Promise, without throwing. */
async function outcome(conn, promise) {
  try {
    await promise;
    return { ok: true, jid: conn.jid, mechanism: conn.mechanism, authenticated: conn.authenticated, statuses: conn.statuses };
  } catch (e) {
    return { ok: false, status: e.status, condition: e.condition, text: e.text, name: e.name, statuses: conn.statuses };
  }
}

window.h = {
  /** Connects `key`; resolves with the outcome instead of throwing. Incoming messages collect in conn.inbox. */
  async login(key, service, jid, pass, options) {
    const conn = new A.Connection(service, toOptions(options));
    return outcome(conn, conn.connect(jid, pass, track(key, conn, false)));
  },
  /** Resumes a kept BOSH session as `key` (the one of `jid`, or the only one stored when `jid` is null). */
  async restore(key, service, jid, options) {
    const conn = new A.Connection(service, toOptions(options));
    return outcome(conn, conn.restore(jid ?? undefined, track(key, conn, true)));
  },
  /** Takes over a prebound BOSH session as `key`. */
  async attach(key, service, jid, sid, rid, options) {
    const conn = new A.Connection(service, toOptions(options));
    return outcome(conn, conn.attach(jid, sid, rid, track(key, conn, true)));
  },
  /** The sessionStorage keys of kept BOSH sessions, sorted. */
  stored() {
    return Object.keys(sessionStorage)
      .filter((k) => k.startsWith('antistrophe.bosh:'))
      .sort();
  },
  /** Sends a chat message. */
  say(key, to, body) {
    conns[key].send(A.$msg({ to, type: 'chat' }).c('body').t(body));
  },
  /** Waits until `key` has received `count` messages whose body starts with `prefix`. */
  async inbox(key, prefix, count = 1, timeout = 10000) {
    const end = Date.now() + timeout;
    for (;;) {
      const got = conns[key].inbox.filter((m) => (m.body ?? '').startsWith(prefix));
      if (got.length >= count || Date.now() > end) return got;
      await new Promise((r) => setTimeout(r, 25));
    }
  },
  async disconnect(key) {
    const conn = conns[key];
    await conn.disconnect();
    return conn.statuses;
  },
};
window.ready = true;
