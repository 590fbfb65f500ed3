// One BOSH HTTP request over fetch: POST with a timeout, settled as an outcome instead of a thrown error.

/** How the transport reaches its endpoint. */
export interface HttpConfig {
  url: string;
  fetch: typeof fetch;
  headers: Record<string, string>;
  credentials: RequestCredentials | undefined;
}

/** What became of a request. */
export type HttpOutcome =
  | { kind: 'response'; status: number; text: string }
  | { kind: 'network'; detail: string }
  | { kind: 'timeout' }
  | { kind: 'stopped' };

/** A request in flight. */
export interface PendingPost {
  readonly done: Promise<HttpOutcome>;
  /** Aborts it; the outcome is then `stopped`. */
  cancel(): void;
}

const CONTENT_TYPE = 'text/xml; charset=utf-8';

function init(cfg: HttpConfig, body: string): RequestInit {
  const req: RequestInit = { method: 'POST', body, headers: { 'Content-Type': CONTENT_TYPE, ...cfg.headers } };
  if (cfg.credentials) req.credentials = cfg.credentials;
  return req;
}

/** POSTs `body`; after `timeoutMs` the request is aborted and reported as `timeout`. */
export function post(cfg: HttpConfig, body: string, timeoutMs: number): PendingPost {
  const controller = new AbortController();
  let reason: 'timeout' | 'stopped' | undefined;
  const timer = setTimeout(() => {
    reason = 'timeout';
    controller.abort();
  }, timeoutMs);
  const done = (async (): Promise<HttpOutcome> => {
    try {
      const res = await cfg.fetch(cfg.url, { ...init(cfg, body), signal: controller.signal });
      const text = await res.text();
      return reason ? { kind: reason } : { kind: 'response', status: res.status, text };
    } catch (e) {
      return reason ? { kind: reason } : { kind: 'network', detail: describeFetchError(e) };
    } finally {
      clearTimeout(timer);
    }
  })();
  return {
    done,
    cancel: () => {
      reason ??= 'stopped';
      clearTimeout(timer);
      controller.abort();
    },
  };
}

/** Sends a last request that outlives the page (pagehide): fetch `keepalive`, else `navigator.sendBeacon`. */
export function sendBeacon(cfg: HttpConfig, body: string, injectedFetch: boolean): void {
  const keepaliveFetch = injectedFetch || (typeof Request === 'function' && 'keepalive' in Request.prototype);
  if (keepaliveFetch) {
    try {
      cfg.fetch(cfg.url, { ...init(cfg, body), keepalive: true }).catch(() => {});
      return;
    } catch {
      // fall through to sendBeacon
    }
  }
  const nav = (globalThis as { navigator?: { sendBeacon?: (url: string, data: Blob) => boolean } }).navigator;
  // text/plain is CORS-safelisted: a beacon cannot be preflighted, and the server reads the body whatever its type
  nav?.sendBeacon?.(cfg.url, new Blob([body], { type: 'text/plain;charset=UTF-8' }));
}

/** The message of a fetch failure with its low-level cause (e.g. `ECONNREFUSED`) when the platform gives one. */
function describeFetchError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = (e as { cause?: unknown }).cause;
  if (typeof cause !== 'object' || cause === null) return e.message;
  const { code, message } = cause as { code?: unknown; message?: unknown };
  const detail = typeof code === 'string' ? code : typeof message === 'string' ? message : '';
  return detail ? `${e.message}: ${detail}` : e.message;
}
