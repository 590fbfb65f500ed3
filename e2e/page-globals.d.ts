// What e2e/pages/harness.js puts on the page's window, as seen from code inside page.evaluate().
declare const h: {
  login(key: string, service: string, jid: string, pass?: unknown, options?: unknown): Promise<import('./support/fixtures.js').LoginResult>;
  restore(key: string, service: string, jid: string | null, options?: unknown): Promise<import('./support/fixtures.js').LoginResult>;
  attach(key: string, service: string, jid: string, sid: string, rid: number, options?: unknown): Promise<import('./support/fixtures.js').LoginResult>;
  stored(): string[];
  say(key: string, to: string, body: string): void;
  inbox(key: string, prefix: string, count?: number, timeout?: number): Promise<{ from: string; body: string }[]>;
  disconnect(key: string): Promise<string[]>;
};
declare const conns: Record<string, import('../src/index.js').Connection & { statuses: string[] }>;
declare const A: typeof import('../src/index.js');
