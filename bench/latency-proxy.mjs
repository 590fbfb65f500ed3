// A TCP proxy on 127.0.0.1 that delays every chunk by a fixed time in each direction, so that time to online
// can be measured over a link with a real round-trip time (the loopback's is a few microseconds).
import { createConnection, createServer } from 'node:net';

/** Forwards to `host:port` with `oneWayMs` of delay each way; resolves with the proxy's port and close(). */
export function startLatencyProxy(host, port, oneWayMs) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = createConnection({ host, port });
    for (const s of [client, upstream]) {
      s.setNoDelay(true);
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    // timers of equal duration fire in the order they were set: the byte stream keeps its order
    const pipe = (from, to) => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), oneWayMs));
      from.on('end', () => setTimeout(() => to.end(), oneWayMs));
    };
    pipe(client, upstream);
    pipe(upstream, client);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: server.address().port,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
