// In-page helpers for the session e2e specs (window.S): a connection that reconnects, what it went through, and
// the test messages it received. Loaded on the harness page with `import('/sessions.js')`.
import * as A from '/dist/index.js';

const conns = {};

/** `id*` when the server re-delivered it later (it carries a <delay/>), else `id`. */
function mark(m) {
  return m.getChild('delay', 'urn:xmpp:delay') ? `${m.attrs.id}*` : m.attrs.id;
}

window.S = {
  /**
   * Connects `key` and keeps it: statuses (with ms since the page started), and the ids of messages whose id starts
   * with `tag`. With `presence`, each new session (not a resumed one) announces itself, as an application would
   * (which also brings what the server kept offline).
   */
  async login(key, service, jid, pass, options, tag, presence) {
    // what the library reports as going wrong inside (internal-error and the like), for the test to show
    const problems = [];
    const note = (level) => (event, fields) => problems.length < 50 && problems.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
    const conn = new A.Connection(service, { ...options, logger: { warn: note('warn'), error: note('error') }, onError: (e, where) => problems.push(`onError ${where} ${e?.stack ?? e}`) });
    const c = { conn, statuses: [], got: [], unique: new Set(), problems };
    conns[key] = c;
    // the leftovers of a lost session may fill the queue for a moment: the presence goes once there is room
    const announce = () => {
      try {
        conn.send(A.$pres());
      } catch (e) {
        if (e.condition !== 'sm-queue-full') throw e;
        setTimeout(announce, 100);
      }
    };
    const onStatus = (s, condition) => {
      c.statuses.push({ name: A.statusName(s), condition: condition ?? null, t: Math.round(performance.now()) });
      if (presence && s === A.Status.CONNECTED && condition !== 'resumed') announce();
    };
    try {
      await conn.connect(jid, pass, onStatus);
    } catch (e) {
      return { ok: false, condition: e.condition, statuses: c.statuses };
    }
    conn.addHandler((m) => {
      const id = m.attrs.id ?? '';
      if (id.startsWith(tag)) {
        c.got.push(mark(m));
        c.unique.add(id);
      }
      return true;
    }, null, 'message');
    return { ok: true, jid: conn.jid, statuses: c.statuses };
  },
  /**
   * Sends test messages `from`…`from + count - 1`, fewer when the queue of unacknowledged stanzas is full; returns
   * [how many went, distinct test messages received so far].
   */
  burst(key, to, prefix, from, count) {
    const c = conns[key];
    let i = from;
    try {
      for (; i < from + count; i++) c.conn.send(A.$msg({ to, type: 'chat', id: `${prefix}${i}` }).c('body').t(String(i)));
    } catch (e) {
      if (e.condition !== 'sm-queue-full' && e.condition !== 'reconnect-queue-full') throw e;
    }
    return [i - from, c.unique.size];
  },
  /** Everything recorded for `key`. */
  report(key) {
    const c = conns[key];
    const sm = c.conn.sm;
    return { jid: c.conn.jid, got: c.got, problems: c.problems, statuses: c.statuses, status: A.statusName(c.conn.status), resumed: c.conn.resumed, sm: sm ? { ...sm } : null };
  },
  statuses(key) {
    return conns[key].statuses;
  },
  /** Whether a test message with this id has arrived. */
  has(key, id) {
    return conns[key].unique.has(id);
  },
  send(key, to, id) {
    conns[key].conn.send(A.$msg({ to, type: 'chat', id }).c('body').t(id));
  },
  async disconnect(key) {
    await conns[key].conn.disconnect();
    return conns[key].statuses;
  },
};
