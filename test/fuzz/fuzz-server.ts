// The server side of a fuzz case: a well-behaved XMPP server (PLAIN, SCRAM-SHA-1 or DIGEST-MD5, binding, XEP-0198
// enable/resume/acks, echo, IQ answers, traffic of its own once online) over WebSocket or BOSH. It never
// misbehaves itself: the mutations are applied on the carrier, between it and the client.
import { XmlElement } from '../../src/xml/element.js';
import { type Carrier, type ClientEvent, payload, ScriptedXmpp } from '../helpers/scripted-xmpp.js';
import { BoshEndpoint, type Deliver } from './bosh-endpoint.js';
import { bindResult, features, mechanisms, NS, ONLINE, sasl, saslFailure, sessionFeatures, sm } from './corpus.js';
import { DigestServer, DOMAIN, PASSWORD, ScramServer, USER } from './sasl-server.js';

export type Mech = 'PLAIN' | 'SCRAM-SHA-1' | 'DIGEST-MD5';

/** One XEP-0198 session as the server keeps it: it outlives the stream that made it. */
interface SmSession {
  id: string;
  /** Client stanzas handled. */
  inbound: number;
  sent: number;
  unacked: { seq: number; xml: string }[];
}

export interface FuzzServerOptions {
  mech: Mech;
  /** Keys of {@link ONLINE} (or `r`, `a`): what the server sends on its own once the session is up. */
  online: readonly string[];
}

/** The carrier side of the server: WebSocket through ScriptedXmpp, BOSH through the lean endpoint. */
export interface Wire {
  readonly service: string;
  /** Raw client output: frames or request bodies. */
  readonly wire: readonly string[];
  reply(...xml: string[]): void;
  /** Drops the carrier without a word (the socket closes; the BOSH session is forgotten). */
  cut(): void;
}

export class FuzzServer {
  readonly xmpp: Wire;
  /** Set for WebSocket. */
  readonly ws: ScriptedXmpp | undefined;
  /** Set for BOSH. */
  readonly bosh: BoshEndpoint | undefined;
  jid = `${USER}@${DOMAIN}/fuzz`;
  /** When the client last sent anything (ms, performance.now()). */
  lastInput = 0;
  readonly #options: FuzzServerOptions;
  readonly #sessions = new Map<string, SmSession>();
  #current: SmSession | undefined;
  #authenticated = false;
  #scram: ScramServer | undefined;
  #digest: { server: DigestServer; step: number } | undefined;
  #onlineSent = false;
  #n = 0;

  /** `deliver` (BOSH) sees each answer before the client does. */
  constructor(carrier: Carrier, options: FuzzServerOptions, deliver?: Deliver) {
    this.#options = options;
    const script = (event: ClientEvent) => {
      this.lastInput = performance.now();
      if (event.kind === 'open') {
        if (event.fresh) this.#fresh();
        this.xmpp.reply(this.#authenticated ? sessionFeatures : features(mechanisms(options.mech)));
      } else if (event.kind === 'element') this.#element(event.el);
    };
    this.ws = carrier === 'websocket' ? new ScriptedXmpp(carrier, script) : undefined;
    this.bosh = this.ws ? undefined : new BoshEndpoint(script, deliver);
    this.xmpp = (this.ws ?? this.bosh) as Wire;
  }

  /** Client stanzas handled on the current session: a right `h`. */
  get h(): number {
    return this.#current?.inbound ?? 0;
  }

  /** The server lost every session (a restart): a resume fails. */
  forgetSessions(): void {
    this.#sessions.clear();
  }

  /** One more stanza of the server's own (counted, like any). */
  unsolicited(key: string): void {
    this.#send((ONLINE[key] as (jid: string, n: number) => string)(this.jid, ++this.#n));
  }

  #fresh(): void {
    this.#authenticated = false;
    this.#current = undefined;
    this.#scram = undefined;
    this.#digest = undefined;
    this.#onlineSent = false;
  }

  #send(xml: string): void {
    const s = this.#current;
    if (s) s.unacked.push({ seq: ++s.sent, xml });
    this.xmpp.reply(xml);
  }

  #element(el: XmlElement): void {
    const ns = el.getNS();
    if (ns === NS.sasl) return this.#sasl(el);
    if (ns === NS.sm) return this.#sm(el);
    if (el.localName === 'iq' && el.getChild('bind', NS.bind)) {
      this.jid = `${USER}@${DOMAIN}/${el.getChild('bind', NS.bind)?.getChildText('resource') ?? 'fuzz'}`;
      return this.xmpp.reply(bindResult(el.attrs.id ?? '', this.jid));
    }
    if (el.localName === 'iq' && el.getChild('session', NS.session)) return this.xmpp.reply(`<iq xmlns='${NS.client}' type='result' id='${el.attrs.id ?? ''}'/>`);
    if (!['message', 'presence', 'iq'].includes(el.localName)) return;
    if (this.#current) this.#current.inbound++;
    if (el.localName === 'message' && el.attrs.to === 'echo@example.org') {
      const echo = new XmlElement('message', { xmlns: NS.client, from: 'echo@example.org', to: this.jid, id: el.attrs.id }, el.getChildren().map((c) => c.clone()));
      this.#send(echo.toString());
    } else if (el.localName === 'iq' && (el.attrs.type === 'get' || el.attrs.type === 'set')) {
      this.#send(`<iq xmlns='${NS.client}' type='result' id='${el.attrs.id ?? ''}' from='${el.attrs.to ?? DOMAIN}' to='${this.jid}'/>`);
    }
    if (!this.#current) this.#online();
  }

  #sasl(el: XmlElement): void {
    const data = payload(el);
    const name = el.localName;
    const succeed = (additional?: string) => {
      this.#authenticated = true;
      this.xmpp.reply(sasl('success', additional));
    };
    if (name === 'abort') return this.xmpp.reply(saslFailure('aborted'));
    if (name === 'auth') {
      const mech = el.attrs.mechanism;
      if (mech !== this.#options.mech) return this.xmpp.reply(saslFailure('invalid-mechanism'));
      if (mech === 'PLAIN') return data === `\0${USER}\0${PASSWORD}` ? succeed() : this.xmpp.reply(saslFailure('not-authorized'));
      if (mech === 'SCRAM-SHA-1') {
        this.#scram = new ScramServer();
        return this.xmpp.reply(sasl('challenge', this.#scram.first(data)));
      }
      this.#digest = { server: new DigestServer(), step: 1 };
      return this.xmpp.reply(sasl('challenge', this.#digest.server.challenge()));
    }
    if (name !== 'response') return;
    if (this.#scram) {
      const v = this.#scram.final(data);
      this.#scram = undefined;
      return v ? succeed(v) : this.xmpp.reply(saslFailure('not-authorized'));
    }
    const digest = this.#digest;
    if (digest?.step === 1) {
      const rspauth = digest.server.verify(data);
      digest.step = 2;
      return this.xmpp.reply(rspauth ? sasl('challenge', rspauth) : saslFailure('not-authorized'));
    }
    if (digest?.step === 2) {
      this.#digest = undefined;
      return succeed();
    }
    this.xmpp.reply(saslFailure('malformed-request'));
  }

  #sm(el: XmlElement): void {
    switch (el.localName) {
      case 'enable': {
        const id = `sm-${this.#sessions.size + 1}-${++this.#n}`;
        this.#current = { id, inbound: 0, sent: 0, unacked: [] };
        this.#sessions.set(id, this.#current);
        this.xmpp.reply(sm('enabled', ` id='${id}'${el.attrs.resume === 'true' ? " resume='true' max='300'" : ''}`));
        return this.#online();
      }
      case 'resume': {
        const s = this.#sessions.get(el.attrs.previd ?? '');
        if (!s) return this.xmpp.reply(`<failed xmlns='${NS.sm}' h='0'><item-not-found xmlns='${NS.stanzas}'/></failed>`);
        this.#trim(s, Number(el.attrs.h));
        this.#current = s;
        this.#onlineSent = true;
        this.xmpp.reply(sm('resumed', ` previd='${s.id}' h='${s.inbound}'`), ...s.unacked.map((u) => u.xml));
        return;
      }
      case 'r':
        if (this.#current) this.xmpp.reply(sm('a', ` h='${this.#current.inbound}'`));
        return;
      case 'a':
        if (this.#current) this.#trim(this.#current, Number(el.attrs.h));
        return;
    }
  }

  #trim(s: SmSession, h: number): void {
    s.unacked = s.unacked.filter((u) => u.seq > h);
  }

  /** The traffic a live session brings without being asked: once per stream. */
  #online(): void {
    if (this.#onlineSent) return;
    this.#onlineSent = true;
    for (const key of this.#options.online) {
      if (key === 'r') this.xmpp.reply(sm('r'));
      else if (key === 'a') this.xmpp.reply(sm('a', ` h='${this.h}'`));
      else this.#send((ONLINE[key] as (jid: string, n: number) => string)(this.jid, ++this.#n));
    }
  }
}
