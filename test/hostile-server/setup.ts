// Set-up for the hostile-server suite: a full Connection (every built-in mechanism, both transports) against a
// scripted server, with every debug hook, the logger and onError captured into one buffer.
import { defaultMechanisms } from '../../mechanisms/index.js';
import { CoreConnection } from '../../src/connection.js';
import type { ConnectionError } from '../../src/errors.js';
import type { ConnectionOptions } from '../../src/options.js';
import type { Credentials } from '../../src/sasl/mechanism.js';
import { type StatusCode, statusName } from '../../src/status.js';
import { BoshTransport } from '../../src/transport/bosh.js';
import { WebSocketTransport } from '../../src/transport/websocket.js';
import type { ScriptedXmpp } from '../helpers/scripted-xmpp.js';

export interface Session {
  conn: CoreConnection;
  /** `NAME` or `NAME:condition` per status, in order. */
  statuses: string[];
  /** Everything every debug hook, the logger and onError saw. */
  captured: string[];
  /** Errors handed to onError, with where they came from. */
  errors: { where: string; error: unknown }[];
  /** Connects; resolves with the ConnectionError on failure, `undefined` on success. */
  login(jid: string, pass?: string | Credentials | null): Promise<ConnectionError | undefined>;
}

export function session(server: ScriptedXmpp, options: ConnectionOptions = {}): Session {
  const captured: string[] = [];
  const errors: { where: string; error: unknown }[] = [];
  const log = (level: string) => (event: string, fields?: Record<string, unknown>) => captured.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`);
  const conn = new CoreConnection(
    server.service,
    {
      connectTimeout: 3000,
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      onError: (error, where) => {
        errors.push({ where, error });
        captured.push(`onError ${where} ${String(error)}`);
      },
      ...server.options,
      ...options,
    },
    { transports: [WebSocketTransport, BoshTransport], mechanisms: defaultMechanisms },
  );
  conn.xmlInput = (el) => captured.push(`xmlInput ${el.toString()}`);
  conn.xmlOutput = (el) => captured.push(`xmlOutput ${el.toString()}`);
  conn.rawInput = (text) => captured.push(`rawInput ${text}`);
  conn.rawOutput = (text) => captured.push(`rawOutput ${text}`);
  const statuses: string[] = [];
  const callback = (s: StatusCode, condition?: string) => statuses.push(condition ? `${statusName(s)}:${condition}` : statusName(s));
  return {
    conn,
    statuses,
    captured,
    errors,
    login: (jid, pass) =>
      conn.connect(jid, pass, callback).then(
        () => undefined,
        (e: ConnectionError) => {
          captured.push(`error ${e.message} ${e.text}`);
          return e;
        },
      ),
  };
}

/** Resolves once `cond()` holds (polling), or rejects after `ms`. */
export async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 2));
  }
}
