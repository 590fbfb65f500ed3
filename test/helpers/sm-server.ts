// A scripted XMPP server with XEP-0198 stream management, over WebSocket or BOSH: PLAIN login, binding, enable,
// acks both ways, resume of a hibernating session, and knobs to make it misbehave.
import { XmlElement } from '../../src/xml/element.js';
import { bindFeature, bindResult, type Carrier, features, mechanisms, NS, saslFailure, saslSuccess, ScriptedXmpp } from './scripted-xmpp.js';

export const NS_SM = 'urn:xmpp:sm:3';
const smFeature = `<sm xmlns='${NS_SM}'/>`;
const isStanza = (el: XmlElement) => ['message', 'presence', 'iq'].includes(el.localName);

/** One stream-management session as the server keeps it (it outlives the connection that made it). */
interface ServerSession {
  id: string;
  jid: string;
  /** Client stanzas handled. */
  inbound: number;
  /** Stanzas sent to the client, not yet acknowledged, with their numbers. */
  unacked: { seq: number; xml: string }[];
  sent: number;
}

export interface SmServerOptions {
  /** Offer stream management (default true). */
  sm?: boolean;
  /** Answer `<enable/>` with a resumable session (default true). */
  resumable?: boolean;
  /** The password PLAIN accepts (default `pw`). */
  password?: string;
  /** The JID bound (default `user@example.org/r1`). */
  jid?: string;
}

/**
 * `received` holds every stanza the client sent that the server handled, in order, duplicates included; messages
 * to `echo@example.org` come back from it. Hooks let a test replace an answer.
 */
export class SmServer {
  readonly xmpp: ScriptedXmpp;
  readonly received: XmlElement[] = [];
  readonly sessions = new Map<string, ServerSession>();
  /** The session on the current stream, once enabled or resumed. */
  current: ServerSession | undefined;
  /** Loses a client stanza in transit (not handled, not counted) when it returns true. */
  drop: ((el: XmlElement) => boolean) | undefined;
  /** Replaces the answer to `<r/>` (default `<a h=inbound/>`); return `''` to stay silent. */
  onR: ((s: ServerSession) => string) | undefined;
  /** Replaces the answer to `<enable/>`. */
  onEnable: (() => string) | undefined;
  /** Sees a bind request first; returning true leaves it unanswered. */
  onBind: ((el: XmlElement) => boolean) | undefined;
  /** Replaces the answer to `<resume/>` (undefined: no answer at all). */
  onResume: ((el: XmlElement) => string | undefined) | undefined;
  /** Everything the client sent in the SM namespace, as `name` or `name:h`. */
  readonly smTrace: string[] = [];
  password: string;
  #authenticated = false;
  #counter = 0;
  readonly #options: Required<Omit<SmServerOptions, 'password'>>;

  constructor(carrier: Carrier, options: SmServerOptions = {}) {
    this.#options = { sm: true, resumable: true, jid: 'user@example.org/r1', ...options };
    this.password = options.password ?? 'pw';
    this.xmpp = new ScriptedXmpp(carrier, (event) => {
      if (event.kind === 'open') {
        if (event.fresh) {
          this.#authenticated = false;
          this.current = undefined;
        }
        this.xmpp.reply(features(this.#authenticated ? bindFeature + (this.#options.sm ? smFeature : '') : mechanisms('PLAIN')));
      } else if (event.kind === 'element') this.#onElement(event.el);
    });
  }

  /** Sends a message to the client, counted when a session is on. */
  deliver(body: string, from = 'friend@example.org/x'): void {
    const xml = new XmlElement('message', { xmlns: 'jabber:client', from, to: this.#options.jid, type: 'chat' }, [new XmlElement('body', {}, [body])]).toString();
    this.#send(xml);
  }

  /** Asks the client for an acknowledgement. */
  requestAck(): void {
    this.xmpp.reply(`<r xmlns='${NS_SM}'/>`);
  }

  /** The server forgets every session (a restart): resume fails afterwards. */
  forgetSessions(): void {
    this.sessions.clear();
  }

  #send(xml: string): void {
    const s = this.current;
    if (s) {
      s.sent++;
      s.unacked.push({ seq: s.sent, xml });
    }
    this.xmpp.reply(xml);
  }

  #onElement(el: XmlElement): void {
    if (el.getNS() === NS.sasl) {
      if (el.localName !== 'auth') return;
      const ok = Buffer.from(el.text(), 'base64').toString() === `\0user\0${this.password}`;
      this.#authenticated = ok;
      this.xmpp.reply(ok ? saslSuccess() : saslFailure('not-authorized'));
      return;
    }
    if (el.getNS() === NS_SM) return this.#onSm(el);
    if (el.localName === 'iq' && el.getChild('bind', NS.bind)) return this.onBind?.(el) ? undefined : this.xmpp.reply(bindResult(el.attrs.id ?? '', this.#options.jid));
    if (!isStanza(el) || this.drop?.(el)) return;
    this.received.push(el);
    if (this.current) this.current.inbound++;
    if (el.localName === 'message' && el.attrs.to === 'echo@example.org') {
      const reply = new XmlElement('message', { xmlns: 'jabber:client', from: 'echo@example.org', to: this.#options.jid, id: el.attrs.id }, el.getChildren().map((c) => c.clone()));
      this.#send(reply.toString());
    } else if (el.localName === 'iq' && el.attrs.type === 'get') {
      this.#send(`<iq xmlns='jabber:client' type='result' id='${el.attrs.id}' from='${el.attrs.to ?? 'example.org'}' to='${this.#options.jid}'/>`);
    }
  }

  #onSm(el: XmlElement): void {
    this.smTrace.push(el.attrs.h !== undefined ? `${el.localName}:${el.attrs.h}` : el.localName);
    switch (el.localName) {
      case 'enable': {
        if (this.onEnable) return this.xmpp.reply(this.onEnable());
        const id = `sm-${++this.#counter}`;
        this.current = { id, jid: this.#options.jid, inbound: 0, unacked: [], sent: 0 };
        this.sessions.set(id, this.current);
        const resume = this.#options.resumable && el.attrs.resume === 'true';
        return this.xmpp.reply(`<enabled xmlns='${NS_SM}' id='${id}'${resume ? " resume='true'" : ''}/>`);
      }
      case 'resume': {
        if (this.onResume) {
          const answer = this.onResume(el);
          if (answer !== undefined) this.xmpp.reply(answer);
          return;
        }
        const s = this.sessions.get(el.attrs.previd ?? '');
        if (!s) return this.xmpp.reply(`<failed xmlns='${NS_SM}'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></failed>`);
        this.#trim(s, Number(el.attrs.h));
        this.current = s;
        this.xmpp.reply(`<resumed xmlns='${NS_SM}' previd='${s.id}' h='${s.inbound}'/>`);
        for (const u of s.unacked) this.xmpp.reply(u.xml);
        return;
      }
      case 'r': {
        const s = this.current;
        if (!s) return;
        const answer = this.onR ? this.onR(s) : `<a xmlns='${NS_SM}' h='${s.inbound}'/>`;
        if (answer) this.xmpp.reply(answer);
        return;
      }
      case 'a':
        if (this.current) this.#trim(this.current, Number(el.attrs.h));
        return;
    }
  }

  #trim(s: ServerSession, h: number): void {
    s.unacked = s.unacked.filter((u) => u.seq > h);
  }
}
