// What e2e/pages/sessions.js puts on the page's window, as seen from code inside page.evaluate().
declare const S: {
  login(key: string, service: string, jid: string, pass: string, options: unknown, tag: string, presence: boolean): Promise<{ ok: boolean; jid?: string; condition?: string; statuses: PageStatus[] }>;
  burst(key: string, to: string, prefix: string, from: number, count: number): [sent: number, received: number];
  report(key: string): PageReport;
  statuses(key: string): PageStatus[];
  has(key: string, id: string): boolean;
  send(key: string, to: string, id: string): void;
  disconnect(key: string): Promise<PageStatus[]>;
};

/** A status as the page saw it, `t` in ms since the page started. */
interface PageStatus {
  name: string;
  condition: string | null;
  t: number;
}

interface PageReport {
  jid: string;
  /** Ids of the test messages received, in order; `id*` when the server re-delivered it (with a delay stamp). */
  got: string[];
  /** What the library logged as a warning or an error, and handler exceptions. */
  problems: string[];
  statuses: PageStatus[];
  status: string;
  resumed: boolean;
  sm: { enabled: boolean; id?: string; inbound: number; outbound: number; unacked: number } | null;
}
