// An HTTP proxy between the browser and a BOSH endpoint that injects faults on a fixed schedule: 5xx answers,
// requests dropped before the server sees them, responses dropped after it answered, and stalls past `wait`.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

export type Fault = 'http-503' | 'drop-request' | 'drop-response' | 'stall';

export interface FaultProxy {
  url: string;
  /** Faults injected so far, in order. */
  injected: { fault: Fault; rid: string }[];
  /** Requests seen (rid of each), including retries. */
  rids: string[];
  close(): Promise<void>;
}

/**
 * Starts the proxy. `schedule(n, body)` picks the fault for the n-th request (0-based) or undefined; session
 * creation (no `sid`) is never faulted so the test measures retries, not set-up.
 */
export async function startFaultProxy(target: string, schedule: (n: number, body: string) => Fault | undefined, stallMs: number): Promise<FaultProxy> {
  const upstream = new URL(target);
  const injected: FaultProxy['injected'] = [];
  const rids: string[] = [];
  let n = 0;
  const cors = (req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  };
  const server: Server = createServer((req, res) => {
    cors(req, res);
    if (req.method === 'OPTIONS') return res.writeHead(204).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const rid = /\brid=['"](\d+)['"]/.exec(body)?.[1] ?? '?';
      rids.push(rid);
      const fault = /\bsid=/.test(body) ? schedule(n++, body) : undefined;
      if (fault) injected.push({ fault, rid });
      if (fault === 'http-503') return res.writeHead(503, { 'Content-Type': 'text/plain' }).end('injected');
      if (fault === 'drop-request') return req.socket.destroy();
      const forward = () => {
        const up = request(
          { hostname: upstream.hostname, port: upstream.port, path: upstream.pathname, method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' } },
          (ures) => {
            const out: Buffer[] = [];
            ures.on('data', (c: Buffer) => out.push(c));
            ures.on('end', () => {
              if (fault === 'drop-response') return req.socket.destroy();
              res.writeHead(ures.statusCode ?? 502, { 'Content-Type': ures.headers['content-type'] ?? 'text/xml' });
              res.end(Buffer.concat(out));
            });
          },
        );
        up.on('error', () => res.writeHead(502).end());
        up.end(body);
      };
      // a stalled request whose client gave up is dropped instead of reaching the server late, as a real proxy does
      if (fault === 'stall') setTimeout(() => (res.destroyed || res.writableEnded ? undefined : forward()), stallMs);
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/http-bind`,
    injected,
    rids,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
