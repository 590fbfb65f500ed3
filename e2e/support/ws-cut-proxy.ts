// A WebSocket proxy between the browser and a server's XMPP WebSocket endpoint that cuts connections where a
// Cutter says (and on command): both sockets reset, half a frame written first, or every frame swallowed.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import type { Cutter, Dir, ProxiedConn } from './cutter.js';

export interface CutProxy {
  url: string;
  cutter: Cutter;
  /** Connection attempts seen, refused ones included. */
  readonly attempts: number;
  /** Cuts every open connection now (a network drop). */
  cut(): void;
  close(): Promise<void>;
}

const NO_BODY = Buffer.alloc(0);

/**
 * The first half of `text` as one text frame that announces its whole length (RFC 6455 §5.2): the peer reads half
 * a stanza, then the connection drops. Frames to the server are masked, as clients must.
 */
export function halfFrame(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  const m = masked ? 0x80 : 0;
  const head = len < 126 ? Buffer.from([0x81, m | len]) : Buffer.from([0x81, m | 126, len >> 8, len & 0xff]);
  if (len > 0xffff) throw new Error('frame too large for this proxy');
  const key = masked ? randomBytes(4) : NO_BODY;
  const half = Buffer.from(payload.subarray(0, Math.floor(len / 2)));
  if (masked) for (let i = 0; i < half.length; i++) half[i] = (half[i] as number) ^ (key[i % 4] as number);
  return Buffer.concat([head, key, half]);
}

/** Starts the proxy in front of `target` (ws://…); connections the Cutter refuses get HTTP 503. */
export async function startWsCutProxy(target: string, cutter: Cutter): Promise<CutProxy> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => 'xmpp' });
  const live = new Set<() => void>();
  // a silent cut leaves the server's side open: it is closed with the proxy at the latest
  const ups = new Set<WebSocket>();
  let attempts = 0;
  const server = createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    attempts++;
    const conn = cutter.open();
    if (!conn) return refuse(socket);
    const up = new WebSocket(target, 'xmpp', { perMessageDeflate: false });
    ups.add(up);
    up.on('close', () => ups.delete(up));
    let upSocket: Duplex | undefined;
    up.on('upgrade', (res) => {
      upSocket = res.socket;
    });
    up.on('error', () => (up.readyState === WebSocket.OPEN ? undefined : refuse(socket)));
    up.on('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        const kill = bridge(cutter, conn, { ws: client, raw: socket }, { ws: up, raw: upSocket as Duplex });
        live.add(kill);
        client.on('close', () => live.delete(kill));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/xmpp-websocket`,
    cutter,
    get attempts() {
      return attempts;
    },
    cut: () => {
      for (const kill of [...live]) kill();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const kill of [...live]) kill();
        for (const up of [...ups]) up.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface Side {
  ws: WebSocket;
  raw: Duplex;
}

/**
 * Relays frames both ways through the Cutter's verdicts; returns what cuts this connection. Towards the server a
 * cut ends the TCP connection in order (FIN after what was relayed, a half frame only where the plan says so, and
 * what the server still sends is read and dropped, so no reset discards its receive buffer): Prosody 13 keeps the
 * tail of a dropped connection's last frame and reads the resumed stream's first frame as its rest.
 */
function bridge(cutter: Cutter, conn: ProxiedConn, client: Side, server: Side): () => void {
  const kill = () => {
    conn.closed = true;
    client.ws.terminate();
    server.raw.end();
    setTimeout(() => server.ws.terminate(), 10_000).unref();
  };
  const relay = (dir: Dir, text: string) => {
    const to = dir === 'up' ? server : client;
    const v = cutter.judge(conn, dir, text);
    if (v.do === 'swallow') return;
    if (v.do === 'pass') return to.ws.send(v.text);
    if (v.how === 'pass') return to.ws.send(text, kill);
    if (v.how === 'half') to.raw.write(halfFrame(text, dir === 'up'));
    kill();
  };
  client.ws.on('message', (data) => relay('up', String(data)));
  server.ws.on('message', (data) => relay('down', String(data)));
  // a close on one side is passed on, unless the connection went silent: then nobody hears of it
  client.ws.on('close', (code) => (conn.silent ? undefined : code === 1006 ? server.ws.terminate() : server.ws.close()));
  server.ws.on('close', (code) => (conn.silent ? undefined : code === 1006 ? client.ws.terminate() : client.ws.close()));
  client.ws.on('error', () => kill());
  server.ws.on('error', () => kill());
  return kill;
}

function refuse(socket: Duplex): void {
  if (socket.destroyed) return;
  socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
}
