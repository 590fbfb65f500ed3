// In-page benchmark driver: the same timing loops for every library, each reached through its adapter.
// An adapter has: name, connect(opts) → conn (online), disconnect(conn), onMessage(conn, fn(body)),
// sendChat(conn, to, body, id), parsers() → { name: async () → parseFrame(frame) → elements }.
// Every chat carries <no-store xmlns='urn:xmpp:hints'/> (XEP-0334): Prosody then neither archives it (MAM would
// cut its rate threefold and grow its memory with every run) nor keeps it offline.

const TIMEOUT_MS = 120_000;

function counter(target) {
  let count = 0;
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  return {
    done,
    hit() {
      if (++count === target) resolve();
    },
    get count() {
      return count;
    },
  };
}

async function within(promise, what, progress) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${TIMEOUT_MS} ms (${progress()})`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const BODY = (i) => `Hello there, this is benchmark message number ${i} — are we fast enough today?`;

export function installDriver(adapter) {
  const state = { frames: [], parsers: new Map(), links: {} };
  window.bench = {
    name: adapter.name,
    mechanisms: adapter.mechanisms,

    hasMechanism(mechanism) {
      return adapter.mechanisms.includes(mechanism);
    },

    /** Milliseconds from connect() to online; the connection is closed again outside the timing. */
    async online(opts) {
      const t0 = performance.now();
      const conn = await adapter.connect(opts);
      const ms = performance.now() - t0;
      await adapter.disconnect(conn);
      return ms;
    },

    /** Opens a named connection whose incoming chat messages are counted. */
    async open(key, opts) {
      const conn = await adapter.connect(opts);
      const link = { conn, sink: null };
      adapter.onMessage(conn, (body) => {
        if (body && link.sink) link.sink.hit();
      });
      state.links[key] = link;
      return true;
    },

    async close(key) {
      const link = state.links[key];
      delete state.links[key];
      if (link) await adapter.disconnect(link.conn);
      return true;
    },

    /**
     * `from` sends n chat messages to `to`; resolves with messages/s once `sinkKey` has handled all n
     * (the echo server answers the sender itself: sinkKey === from; through the server: the receiver).
     */
    async flood(from, sinkKey, to, n) {
      const sender = state.links[from];
      const sink = state.links[sinkKey];
      const c = counter(n);
      sink.sink = c;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) adapter.sendChat(sender.conn, to, BODY(i), `b${i}`);
      await within(c.done, `${adapter.name} flood`, () => `${c.count}/${n} received`);
      const seconds = (performance.now() - t0) / 1000;
      sink.sink = null;
      return n / seconds;
    },

    /**
     * The ceiling of the client-bound test: the same frames through a bare WebSocket to the echo server,
     * counted on arrival, with no XMPP library building or parsing anything.
     */
    async rawFlood(url, n) {
      const ws = new WebSocket(url, 'xmpp');
      const open = '<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>';
      let c = null;
      await new Promise((resolve, reject) => {
        let step = 0;
        ws.onerror = () => reject(new Error('raw WebSocket failed'));
        ws.onopen = () => ws.send(open);
        ws.onmessage = ({ data }) => {
          if (c) return c.hit();
          if (step === 0 && data.includes('<mechanisms')) {
            step = 1;
            ws.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">${btoa('\0raw\0x')}</auth>`);
          } else if (step === 1 && data.includes('<success')) {
            step = 2;
            ws.send(open);
          } else if (step === 2 && data.includes('<bind')) {
            step = 3;
            ws.send('<iq xmlns="jabber:client" type="set" id="b"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"><resource>raw</resource></bind></iq>');
          } else if (step === 3 && data.includes('<jid>')) resolve();
        };
      });
      c = counter(n);
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        ws.send(`<message xmlns="jabber:client" to="echo@localhost" type="chat" id="b${i}"><body>${BODY(i)}</body><no-store xmlns="urn:xmpp:hints"/></message>`);
      }
      await within(c.done, 'raw flood', () => `${c.count}/${n} received`);
      const rate = n / ((performance.now() - t0) / 1000);
      ws.close();
      return rate;
    },

    setCorpus(frames) {
      state.frames = frames;
      return frames.length;
    },

    parserNames() {
      return Object.keys(adapter.parsers());
    },

    /**
     * Stanzas per second over whole passes of the corpus, one frame per write as a WebSocket delivers it:
     * at least `minRounds` passes and at least `minMs` milliseconds (slow parsers do fewer passes).
     */
    async parse(name, minRounds, minMs) {
      if (!state.parsers.has(name)) state.parsers.set(name, await adapter.parsers()[name]());
      const parseFrame = state.parsers.get(name);
      const frames = state.frames;
      let elements = 0;
      let rounds = 0;
      const t0 = performance.now();
      while (rounds < minRounds || performance.now() - t0 < minMs) {
        for (let i = 0; i < frames.length; i++) elements += parseFrame(frames[i]);
        rounds++;
      }
      const seconds = (performance.now() - t0) / 1000;
      const expected = rounds * frames.length;
      if (elements !== expected) throw new Error(`${adapter.name}/${name}: ${elements} elements from ${expected} frames`);
      return expected / seconds;
    },

    /** Milliseconds of one SCRAM-SHA-1 client-final computation at 4096 iterations (null when unsupported). */
    async scram() {
      if (!adapter.scramSha1) return null;
      const t0 = performance.now();
      const final = await adapter.scramSha1();
      const ms = performance.now() - t0;
      // RFC 5802 §5 test vector: a wrong proof means the timing measured the wrong thing
      if (final !== 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=') {
        throw new Error(`${adapter.name}: SCRAM-SHA-1 proof mismatch: ${final}`);
      }
      return ms;
    },

    context() {
      return { secure: window.isSecureContext, subtle: typeof globalThis.crypto?.subtle };
    },
  };
  window.benchReady = true;
}

/** The RFC 5802 §5 example exchange. */
export const SCRAM_VECTOR = {
  user: 'user',
  password: 'pencil',
  clientNonce: 'fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
};
