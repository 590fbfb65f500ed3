// A BOSH proxy that cuts whole sessions where a Cutter says (and on command): the requests in flight are dropped,
// and every later request of that session dies as on a network that is gone, until the client gives the session up
// and opens a new one. Unlike bosh-fault-proxy.ts (single request faults, the session survives) it ends sessions.
import { createServer, type IncomingMessage, request, type ServerResponse, type ClientRequest } from 'node:http';
import type { Cutter, ProxiedConn } from './cutter.js';
import type { CutProxy } from './ws-cut-proxy.js';

export interface BoshCutProxy extends CutProxy {
  /** Requests the server held past `wait` + 1.5 s (ejabberd 24.12 strands one that overtook its predecessor). */
  readonly stranded: { rid: string; conn: number }[];
}

interface Session {
  conn: ProxiedConn;
  inflight: Set<{ res: ServerResponse; up?: ClientRequest }>;
}

/** Starts the proxy in front of `target` (http://…); `waitSeconds` is the BOSH `wait` the client asks for. */
export async function startBoshCutProxy(target: string, cutter: Cutter, waitSeconds: number): Promise<BoshCutProxy> {
  const upstream = new URL(target);
  const bySid = new Map<string, Session>();
  const sessions = new Set<Session>();
  const stranded: BoshCutProxy['stranded'] = [];
  let attempts = 0;

  const cut = (s: Session, delay = 0) => {
    s.conn.closed = true;
    const drop = () => {
      for (const x of s.inflight) {
        x.res.socket?.destroy();
        x.up?.destroy();
      }
      s.inflight.clear();
    };
    if (delay > 0) setTimeout(drop, delay);
    else drop();
  };

  const forward = (s: Session, body: string, res: ServerResponse, thenCut: boolean) => {
    const x: { res: ServerResponse; up?: ClientRequest } = { res };
    s.inflight.add(x);
    const rid = /\brid=['"](\d+)['"]/.exec(body)?.[1] ?? '?';
    const late = setTimeout(() => stranded.push({ rid, conn: s.conn.index }), (waitSeconds + 1.5) * 1000);
    const headers = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': Buffer.byteLength(body) };
    const up = request({ hostname: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers, agent: false }, (ures) => {
      const chunks: Buffer[] = [];
      ures.on('data', (c: Buffer) => chunks.push(c));
      ures.on('end', () => {
        clearTimeout(late);
        s.inflight.delete(x);
        const text = Buffer.concat(chunks).toString('utf8');
        const sid = /<body\s[^>]*\bsid=['"]([^'"]+)['"]/.exec(text)?.[1];
        if (sid && !bySid.has(sid)) bySid.set(sid, s);
        answer(s, res, ures.statusCode ?? 502, text);
      });
    });
    x.up = up;
    up.on('error', () => {
      clearTimeout(late);
      s.inflight.delete(x);
      res.socket?.destroy();
    });
    // what is cut right after it went out still reaches the server (e.g. an <enable/> whose answer never comes)
    up.end(body, () => (thenCut ? cut(s, 200) : undefined));
  };

  const answer = (s: Session, res: ServerResponse, status: number, text: string) => {
    if (res.destroyed) return;
    const v = cutter.judge(s.conn, 'down', text);
    if (v.do === 'swallow') return res.socket?.destroy();
    if (v.do === 'pass') return res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8' }).end(v.text);
    if (v.how === 'pass') return res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8' }).end(text, () => cut(s));
    if (v.how === 'half') {
      const bytes = Buffer.from(text, 'utf8');
      res.writeHead(status, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
    }
    res.socket?.destroy();
    cut(s);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const sid = /<body\s[^>]*\bsid=['"]([^'"]+)['"]/.exec(body)?.[1];
      let s = sid ? bySid.get(sid) : undefined;
      if (!sid) {
        attempts++;
        const conn = cutter.open();
        if (conn) sessions.add((s = { conn, inflight: new Set() }));
      }
      // a session that was cut is on a network that is gone: its requests die unanswered
      if (!s || s.conn.closed) return req.socket.destroy();
      const v = cutter.judge(s.conn, 'up', body);
      if (v.do === 'swallow') return req.socket.destroy();
      if (v.do === 'pass') return forward(s, v.text, res, false);
      if (v.how === 'pass') return forward(s, body, res, true);
      if (v.how === 'half') halfRequest(upstream, body);
      req.socket.destroy();
      cut(s);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${upstream.pathname}`,
    cutter,
    stranded,
    get attempts() {
      return attempts;
    },
    cut: () => {
      for (const s of sessions) if (!s.conn.closed) cut(s);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) cut(s);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Half of a request body reaches the server, then the connection drops. */
function halfRequest(upstream: URL, body: string): void {
  const bytes = Buffer.from(body, 'utf8');
  const headers = { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': bytes.length };
  const up = request({ hostname: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers, agent: false });
  up.on('error', () => {});
  up.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => up.destroy());
}
