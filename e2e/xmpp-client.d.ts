// The small part of @xmpp/client (which ships no types) that the e2e tests use.
declare module '@xmpp/client' {
  export interface XmppJsElement {
    name: string;
    attrs: Record<string, string>;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): XmppJsElement | undefined;
    getChildText(name: string, xmlns?: string): string | null;
    toString(): string;
  }
  export interface XmppJsClient {
    start(): Promise<unknown>;
    stop(): Promise<unknown>;
    send(el: XmppJsElement): Promise<void>;
    on(event: string, listener: (...args: never[]) => void): void;
    once(event: string, listener: (...args: never[]) => void): void;
    saslFactory: { use(name: string, mechanism: unknown): void; _mechs?: unknown[] };
  }
  export function client(options: Record<string, unknown>): XmppJsClient;
  export function xml(name: string, attrs?: Record<string, string | undefined> | null, ...children: (XmppJsElement | string)[]): XmppJsElement;
}
