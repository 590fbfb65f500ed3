// The core's classes and constants the lazily loaded session keeper uses, handed to it by the connection instead
// of imported. A module imported both by the main bundle and by a lazy chunk is moved by esbuild (--splitting)
// into a third, shared chunk loaded up front, which cost 0.8 KB gz more than the same code inside the main chunk.
import { ConnectionError } from '../errors.js';
import { NS_CLIENT, NS_PING } from '../ns.js';
import { Status } from '../status.js';
import { NegotiationFailure } from '../stream/step.js';
import { XmlElement } from '../xml/element.js';

/** What the lazy keeper takes from the core (import only its type there). */
export interface CoreKit {
  readonly XmlElement: typeof XmlElement;
  readonly ConnectionError: typeof ConnectionError;
  readonly NegotiationFailure: typeof NegotiationFailure;
  readonly Status: typeof Status;
  readonly NS_CLIENT: typeof NS_CLIENT;
  readonly NS_PING: typeof NS_PING;
}

/** The kit itself (frozen: shared by every connection, mutable by none). */
export const coreKit: CoreKit = Object.freeze({ XmlElement, ConnectionError, NegotiationFailure, Status, NS_CLIENT, NS_PING });
