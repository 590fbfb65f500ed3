// The soak loop, shared by the Chromium page (bench/pages/soak.js) and the Node child (bench/node-soak.mjs) so that
// both run the same connection code: one connection with stream management sends chats to its own full JID and
// Prosody routes each back. Sending is paced by the echoes (at most `window` in flight), so the run is a long
// steady state, not a flood. Nothing here keeps anything per message: counters only, so the heap stays flat
// unless the library's does not.

/** Longest wait for an echo or an acknowledgement before the run is declared stuck. */
const STALL_MS = 30_000;
const BODY = (i) => `Soak message number ${i}: one connection, stream management on, a long steady state.`;

/**
 * `lib`: { Connection, $msg, transports, mechanisms, modules, WebSocket? } — what the environment imports.
 * Returns open(), run(count) between heap samples, and close().
 */
export function createSoak(lib) {
  let conn;
  let self;
  let sent = 0;
  let received = 0;
  let misordered = 0;
  let waiting;

  /** Resolves once `received` reaches `n`; rejects when nothing arrives for STALL_MS. */
  function echoes(n) {
    if (received >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`soak stalled: ${received}/${sent} echoes, ${conn.sm?.unacked} unacked`)), STALL_MS);
      waiting = {
        at: n,
        done() {
          clearTimeout(timer);
          resolve();
        },
      };
    });
  }

  function onEcho(m) {
    // a single stream delivers in order: an id out of sequence means a lost, doubled or reordered message
    if (m.attrs.id !== `s${received}`) misordered++;
    received++;
    if (waiting && received >= waiting.at) {
      const w = waiting;
      waiting = undefined;
      w.done();
    }
    return true;
  }

  function within(promise, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`soak: ${what} timed out`)), STALL_MS);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  return {
    /** Logs in; resolves once the server has enabled stream management. */
    async open({ service, jid, password }) {
      const { Connection, transports, mechanisms, modules, WebSocket } = lib;
      conn = new Connection(service, { transports, mechanisms, modules, ...(WebSocket ? { WebSocket } : {}) });
      await conn.connect(jid, password);
      self = conn.jid;
      conn.addHandler(onEcho, null, 'message', 'chat');
      // <enable/> is not awaited by connect(): <enabled/> follows shortly
      const t0 = Date.now();
      while (!conn.sm?.enabled) {
        if (Date.now() - t0 > 5000) throw new Error(`stream management not enabled: ${JSON.stringify(conn.sm)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return { jid: self, resumable: conn.sm.id !== undefined };
    },

    /**
     * Sends `count` more chats, at most `window` awaiting their echo, refilled when half have come back; resolves
     * once every echo is in and the server has acknowledged the last stanza (nothing left in flight to sample).
     */
    async run(count, window) {
      const end = sent + count;
      const t0 = performance.now();
      let maxUnacked = 0;
      let last;
      while (sent < end) {
        const room = Math.min(window - (sent - received), end - sent);
        for (let i = 0; i < room; i++) {
          last = lib.$msg({ to: self, type: 'chat', id: `s${sent}` }).c('body').t(BODY(sent)).up().c('no-store', { xmlns: 'urn:xmpp:hints' }).tree();
          conn.send(last);
          sent++;
        }
        // sending is synchronous: right after a burst is when the queue is longest
        maxUnacked = Math.max(maxUnacked, conn.sm.unacked);
        await echoes(Math.min(end, sent - (window >> 1)));
      }
      await echoes(end);
      await within(conn.acked(last), 'acknowledgement of the last stanza');
      const sm = conn.sm;
      return { sent, received, misordered, maxUnacked, unacked: sm.unacked, outbound: sm.outbound, inbound: sm.inbound, ms: performance.now() - t0 };
    },

    async close() {
      await conn?.disconnect();
      conn = undefined;
    },
  };
}
