// A scripted, in-process WebSocket server for unit tests: the script answers each client frame.
import type { WebSocketConstructor } from '../../src/transport/transport.js';

export type Script = (frame: string, reply: (...frames: string[]) => void, socket: FakeSocket) => void;

export class FakeSocket {
  readyState = 0;
  protocol = '';
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  readonly sent: string[] = [];

  constructor(
    readonly url: string,
    readonly protocols: string | string[] | undefined,
    private readonly server: FakeServer,
  ) {
    setTimeout(() => {
      if (server.refuse) return this.serverClose(1006);
      this.readyState = 1;
      this.protocol = server.protocol ?? (Array.isArray(protocols) ? (protocols[0] ?? '') : (protocols ?? ''));
      this.onopen?.();
    }, 0);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(data);
    this.server.log.push(`C: ${data}`);
    this.server.script(data, (...frames) => this.push(...frames), this);
  }

  /** Delivers frames from the server, each as its own message, asynchronously and in order. */
  push(...frames: unknown[]): void {
    for (const f of frames) {
      setTimeout(() => {
        if (this.readyState !== 1) return;
        if (typeof f === 'string') this.server.log.push(`S: ${f}`);
        this.onmessage?.({ data: f });
      }, 0);
    }
  }

  close(): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    setTimeout(() => this.serverClose(1000), 0);
  }

  serverClose(code: number): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
}

export class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly log: string[] = [];
  refuse = false;
  protocol: string | undefined;
  constructor(public script: Script) {}

  /** The constructor to pass as `options.WebSocket`. */
  get WebSocket(): WebSocketConstructor {
    const server = this;
    return class {
      constructor(url: string, protocols?: string | string[]) {
        const s = new FakeSocket(url, protocols, server);
        server.sockets.push(s);
        // biome-ignore lint/correctness/noConstructorReturn: the fake stands in for the real class
        return s;
      }
    } as unknown as WebSocketConstructor;
  }

  /** Frames the client sent, across all sockets. */
  get clientFrames(): string[] {
    return this.log.filter((l) => l.startsWith('C: ')).map((l) => l.slice(3));
  }
}

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
export const open = (domain = 'example.org', id = 'sid1') =>
  `<open xmlns='${FRAMING}' from='${domain}' id='${id}' version='1.0' xml:lang='en'/>`;
export const features = (inner: string) => `<stream:features xmlns:stream='http://etherx.jabber.org/streams'>${inner}</stream:features>`;
export const mechanisms = (...names: string[]) =>
  `<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`;
export const bindFeatures = `<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>`;
export const idOf = (frame: string) => /id=['"]([^'"]+)['"]/.exec(frame)?.[1] ?? '';

/**
 * A typical well-behaved server: offers `mechs`, accepts `<auth/>` by `accept(frame)`, binds `boundJid`,
 * answers `<close/>`. `extra` sees every other frame once online.
 */
export function loginScript(opts: {
  mechs?: string[];
  accept?: (authFrame: string) => boolean | string;
  boundJid?: string;
  extra?: Script;
}): Script {
  let authed = false;
  return (frame, reply, socket) => {
    if (frame.startsWith('<open')) {
      reply(open(), features(authed ? bindFeatures : mechanisms(...(opts.mechs ?? ['PLAIN']))));
    } else if (frame.startsWith('<auth')) {
      const verdict = (opts.accept ?? (() => true))(frame);
      if (verdict === true) {
        authed = true;
        reply(`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>`);
      } else reply(`<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><${verdict || 'not-authorized'}/></failure>`);
    } else if (frame.includes('urn:ietf:params:xml:ns:xmpp-bind')) {
      const res = /<resource>([^<]*)<\/resource>/.exec(frame)?.[1] ?? 'gen';
      reply(`<iq xmlns='jabber:client' type='result' id='${idOf(frame)}'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${opts.boundJid ?? `user@example.org/${res}`}</jid></bind></iq>`);
    } else if (frame.startsWith('<close')) {
      reply(`<close xmlns='${FRAMING}'/>`);
    } else opts.extra?.(frame, reply, socket);
  };
}
