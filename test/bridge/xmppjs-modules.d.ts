// Minimal structural types for the untyped xmpp.js packages the bridge tests load.

declare module 'saslmechanisms' {
  export interface Mech {
    readonly name: string;
    readonly clientFirst: boolean;
    response(creds: Record<string, unknown>): unknown;
    challenge(data: string): unknown;
    final?(data: string): unknown;
  }
  export type MechClass = (new () => Mech) & { prototype: { name: string; clientFirst?: boolean } };
  export default class Factory {
    _mechs: { name: string; mech: MechClass }[];
    use(name: string | MechClass, mech?: MechClass): this;
    create(names: string[]): Mech | null;
  }
}

declare module 'sasl-plain' {
  const Mechanism: import('saslmechanisms').MechClass;
  export default Mechanism;
}

declare module 'sasl-scram-sha-1' {
  const Mechanism: new (options?: { genNonce?: () => string }) => import('saslmechanisms').Mech;
  export default Mechanism;
}

declare module '@xmpp/sasl-ht-sha-256-none' {
  export const Mechanism: import('saslmechanisms').MechClass;
}

declare module '@xmpp/xml' {
  export interface Element {
    name: string;
    attrs: Record<string, string>;
    children: unknown[];
    getNS(): string | undefined;
    getChild(name: string, xmlns?: string): Element | undefined;
    text(): string;
    c(name: string, attrs?: Record<string, string>): Element;
    t(text: string): Element;
  }
  export default function xml(name: string, attrs?: Record<string, string> | null, ...children: unknown[]): Element;
}

declare module '@xmpp/sasl' {
  type Handler = (ctx: { entity: unknown }, next: () => unknown, element: unknown) => Promise<void>;
  export default function sasl(
    deps: { streamFeatures: { use(name: string, xmlns: string, handler: Handler): unknown }; saslFactory: unknown },
    onAuthenticate: (done: (credentials: Record<string, unknown>, mechanism: string) => Promise<void>, mechanisms: string[]) => Promise<void>,
  ): void;
}

declare module '@xmpp/client/index.js' {
  export function client(options: Record<string, unknown>): {
    saslFactory: import('saslmechanisms').default;
    options: { service?: string };
    on(event: 'element', listener: (el: import('@xmpp/xml').Element) => void): unknown;
    isSecure(): boolean;
    disconnect(): Promise<void>;
  };
}

declare module '@xmpp/client/lib/createOnAuthenticate.js' {
  export function getMechanism(o: { mechanisms: string[]; entity: { isSecure(): boolean }; credentials: Record<string, unknown> }): string;
}
