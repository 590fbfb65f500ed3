// XMPP over WebSocket (RFC 7395): subprotocol "xmpp", <open/>/<close/> framing, one element per frame.
import { errorText } from '../errors.js';
import { NS_FRAMING, NS_STREAM_ERRORS, NS_STREAMS } from '../ns.js';
import { XmlElement } from '../xml/element.js';
import { makeParser, type XmlParser } from '../xml/parser.js';
import { isSecureService, safeUrl, type Transport, type TransportEnd, type TransportOptions, type TransportSink } from './transport.js';

export { NS_FRAMING } from '../ns.js';
const UNDECLARED_STREAM_ERROR = /^(\s*<stream:error)(?![^>]*\sxmlns:stream=)(?=[\s/>])/;

/**
 * RFC 7395 frames must declare their own prefixes, but Prosody sends `<stream:error>` without `xmlns:stream`:
 * bind the prefix for that one element rather than reporting the server's last words as bad-format.
 */
function declareStreamPrefix(frame: string): string {
  return frame.startsWith('<stream:error') ? frame.replace(UNDECLARED_STREAM_ERROR, `$1 xmlns:stream='${NS_STREAMS}'`) : frame;
}

/** WebSocket transport, chosen for `ws://` and `wss://` service URLs. */
export class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  readonly secure: boolean;
  /** The restart `<open/>` is one frame; the server reads what follows it on the new stream. */
  readonly pipelinesRestart = true;
  #socket: WebSocket | undefined;
  readonly #parser: XmlParser;
  #domain = '';
  #streamOpen = false;
  #closing = false;
  #done = false;
  #closeTimer: ReturnType<typeof setTimeout> | undefined;

  static handles(service: string): boolean {
    return /^wss?:\/\//i.test(service);
  }

  readonly #service: string;
  readonly #sink: TransportSink;
  readonly #options: TransportOptions;

  constructor(service: string, sink: TransportSink, options: TransportOptions) {
    this.#service = service;
    this.#sink = sink;
    this.#options = options;
    this.secure = isSecureService(service, ['wss:']);
    this.#parser = makeParser(
      options.parser,
      {
        onStreamStart: () => {},
        onStreamEnd: () => {},
        onElement: (el) => this.#onElement(el),
        onError: (err) => this.streamError(err.condition, err.message),
      },
      { fragment: true, maxStanzaSize: options.maxStanzaSize, maxDepth: options.maxDepth },
    );
  }

  open(domain: string): void {
    this.#domain = domain;
    const WS = this.#options.WebSocket ?? (globalThis as { WebSocket?: TransportOptions['WebSocket'] }).WebSocket;
    if (!WS) {
      return this.#finish({
        kind: 'error',
        condition: 'no-websocket',
        text: 'no WebSocket: pass options.WebSocket',
      });
    }
    let socket: WebSocket;
    try {
      socket = new WS(this.#service, 'xmpp');
    } catch {
      return this.#finish({ kind: 'error', condition: 'improper-addressing', text: `bad URL ${safeUrl(this.#service)}` });
    }
    this.#socket = socket;
    socket.onopen = () =>
      this.#guard(() => {
        if (socket.protocol !== 'xmpp') {
          socket.close();
          return this.#finish({ kind: 'error', condition: 'remote-connection-failed', text: 'no "xmpp" subprotocol' });
        }
        this.#sendOpen();
      });
    socket.onmessage = (event: MessageEvent) => this.#guard(() => this.#onFrame(event.data));
    socket.onerror = () => {}; // the close event that follows says what happened
    socket.onclose = (event: CloseEvent) => this.#guard(() => this.#onSocketClose(event));
  }

  /** Handles a socket event: a defect there ends the stream (`internal-error`) rather than escape into the page. */
  #guard(handle: () => void): void {
    try {
      handle();
    } catch (e) {
      this.#finish({ kind: 'error', condition: 'internal-error', text: errorText(e), defect: e });
    }
  }

  restart(): void {
    this.#sendOpen();
  }

  send(element: XmlElement): void {
    this.#write(element.toString());
  }

  close(last?: XmlElement): void {
    if (this.#done) return;
    if (this.#socket?.readyState !== 1 /* OPEN */) return this.abort('', 'closed before open');
    if (last) this.send(last);
    this.#closing = true;
    this.#write(new XmlElement('close', { xmlns: NS_FRAMING }).toString());
    this.#closeTimer = setTimeout(() => this.#guard(() => this.abort('', 'close timed out')), this.#options.closeTimeout);
  }

  abort(condition: string, text: string): void {
    this.#finish({ kind: 'closed', condition, text });
  }

  #sendOpen(): void {
    this.#write(new XmlElement('open', { xmlns: NS_FRAMING, to: this.#domain, version: '1.0', 'xml:lang': this.#options.lang }).toString());
  }

  #write(data: string): void {
    if (this.#done || !this.#socket || this.#socket.readyState !== 1) return;
    this.#socket.send(data);
  }

  #onFrame(data: unknown): void {
    if (this.#done) return;
    if (typeof data !== 'string') return this.streamError('bad-format', 'binary frame');
    this.#sink.rawInput(data);
    this.#parser.write(declareStreamPrefix(data));
    if (!this.#done && !this.#parser.idle) this.streamError('bad-format', 'frame is not one element');
  }

  #onElement(el: XmlElement): void {
    if (el.is('open', NS_FRAMING)) {
      if (el.attrs.version !== '1.0') return this.streamError('unsupported-version', `stream version ${el.attrs.version ?? '?'}`);
      this.#streamOpen = true;
      return this.#sink.streamOpened(el.attrs);
    }
    if (el.is('close', NS_FRAMING)) {
      const uri = el.attrs['see-other-uri'];
      if (uri) return this.#finish({ kind: 'redirect', condition: 'see-other-uri', text: `redirect to ${uri}`, uri });
      if (!this.#closing) this.#write(new XmlElement('close', { xmlns: NS_FRAMING }).toString());
      return this.#finish(
        this.#closing ? { kind: 'closed', condition: '', text: 'disconnected' } : { kind: 'closed', condition: 'server-closed', text: 'the server closed the stream' },
      );
    }
    if (!this.#streamOpen) return this.streamError('bad-format', `<${el.name}> before <open/>`);
    this.#sink.element(el);
  }

  #onSocketClose(event: CloseEvent): void {
    if (this.#done) return;
    if (this.#closing) return this.#finish({ kind: 'closed', condition: '', text: 'disconnected' });
    if (!this.#streamOpen) {
      return this.#finish({
        kind: 'error',
        condition: 'remote-connection-failed',
        text: `cannot open ${safeUrl(this.#service)} (code ${event.code}): server down, wrong URL, origin or TLS refused`,
      });
    }
    this.#finish({ kind: 'closed', condition: 'connection-lost', text: `socket closed (code ${event.code})` });
  }

  /**
   * Ends the stream because the server broke the rules (RFC 6120 §4.9): tells it why with a stream error, closes
   * the stream, then drops the socket (the frames queued before the close frame still go out).
   */
  streamError(condition: string, text: string): void {
    if (this.#done) return;
    const error = new XmlElement('stream:error', { 'xmlns:stream': NS_STREAMS }, [new XmlElement(condition, { xmlns: NS_STREAM_ERRORS })]);
    this.#write(error.toString());
    this.#write(new XmlElement('close', { xmlns: NS_FRAMING }).toString());
    this.#finish({ kind: 'error', condition, text });
  }

  #finish(end: TransportEnd): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#closeTimer);
    const socket = this.#socket;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      if (socket.readyState < 2) {
        try {
          socket.close();
        } catch {
          // already failing; nothing more to release
        }
      }
    }
    this.#sink.ended(end);
  }
}
