// Public types and helpers shared by the full and the core entry points.
export { ConnectionError, IqError } from './errors.js';
export type { HandlerOptions, StanzaHandler, StanzaHandlerFn } from './handlers.js';
export { escapeNode, getBareJid, getDomain, getNode, getResource, JID, JIDError, unescapeNode } from './jid.js';
export type { Logger } from './log.js';
export type { ConnectionOptions } from './options.js';
export type { ReconnectPolicy } from './reconnect/backoff.js';
export type { StreamManagementOptions, StreamManagementState } from './sm/stream-management.js';
export { fromBase64, toBase64, utf8Decode, utf8Encode } from './sasl/encoding.js';
export {
  type Credentials,
  type MaybePromise,
  type SaslContext,
  SaslError,
  SASLMechanism,
  type SASLMechanismClass,
  type SaslResponse,
  type ScramKeys,
} from './sasl/mechanism.js';
export { MechanismRegistry, type MechanismInput } from './sasl/registry.js';
export { Status, type StatusCode, statusName } from './status.js';
export type { BoshSessionState, Transport, TransportClass, TransportEnd, TransportOptions, TransportSink, WebSocketConstructor } from './transport/transport.js';
export { NS_FRAMING, WebSocketTransport } from './transport/websocket.js';
export { $build, $iq, $msg, $pres, type Buildable, Builder } from './xml/builder.js';
export { type AttrInput, XmlElement, type XmlNode } from './xml/element.js';
export { escapeAttr, escapeText, XmlCharacterError, XmlNameError } from './xml/escape.js';
export {
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_STANZA_SIZE,
  HARD_MAX_DEPTH,
  type XmlErrorCondition,
  XmlParseError,
  type XmlParser,
  type XmlParserFactory,
  type XmlParserHandler,
  type XmlParserOptions,
} from './xml/parser.js';
export { createStreamParser } from './xml/stream-parser.js';
