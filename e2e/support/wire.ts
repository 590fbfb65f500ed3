// What really crossed the network between the page and the servers, seen by Playwright outside the page:
// every WebSocket frame both ways, and every BOSH request and response body.
import type { Page } from 'playwright/test';

export interface Wire {
  /** Frames and bodies in the order seen, both directions. */
  readonly texts: string[];
  /** Frames the page sent over WebSocket. */
  readonly sent: string[];
  /** URLs of the WebSockets the page opened. */
  readonly sockets: string[];
  /** URLs the page POSTed to (BOSH). */
  readonly posts: string[];
  /** Waits for response bodies still being read. */
  settle(): Promise<void>;
}

/** Starts recording `page`'s traffic; call before the page opens any connection. */
export function captureWire(page: Page): Wire {
  const texts: string[] = [];
  const sent: string[] = [];
  const sockets: string[] = [];
  const posts: string[] = [];
  const reading: Promise<unknown>[] = [];
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framesent', (f) => {
      texts.push(String(f.payload));
      sent.push(String(f.payload));
    });
    ws.on('framereceived', (f) => texts.push(String(f.payload)));
  });
  page.on('request', (req) => {
    if (req.method() !== 'POST') return;
    posts.push(req.url());
    const body = req.postData();
    if (body) texts.push(body);
  });
  page.on('response', (res) => {
    if (res.request().method() !== 'POST') return;
    // a body can be gone (the page reloaded, the request was aborted): nothing crossed then
    reading.push(res.text().then((t) => texts.push(t), () => undefined));
  });
  return {
    texts,
    sent,
    sockets,
    posts,
    settle: async () => {
      for (let n = 0; n < reading.length; n = reading.length) await Promise.all(reading.slice(n));
    },
  };
}
