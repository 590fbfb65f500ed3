// antistrophe behind the bench adapter: the tree-shakable core with WebSocket, SCRAM-SHA-1 and PLAIN (bundle (a)).
import { $msg, Connection, createStreamParser, utf8Encode } from 'antistrophe/core';
import { Plain } from 'antistrophe/mechanisms/plain';
import { ScramSha1 } from 'antistrophe/mechanisms/scram';
import { saxWasmParser } from 'antistrophe/parser/sax-wasm';
import { WebSocketTransport } from 'antistrophe/websocket';
import { installDriver, SCRAM_VECTOR } from './driver.js';

const MECHANISMS = { 'SCRAM-SHA-1': ScramSha1, PLAIN: Plain };

/** A parser used the way the WebSocket transport uses it: fragment mode, one frame per write, then `idle`. */
function frameParser(factory) {
  let count = 0;
  const parser = factory(
    {
      onStreamStart() {},
      onStreamEnd() {},
      onElement() {
        count++;
      },
      onError(err) {
        throw err;
      },
    },
    { fragment: true, maxStanzaSize: 1024 * 1024 },
  );
  return (frame) => {
    count = 0;
    parser.write(frame);
    if (!parser.idle) throw new Error('frame not consumed');
    return count;
  };
}

installDriver({
  name: 'antistrophe',
  mechanisms: Object.keys(MECHANISMS),
  async connect({ service, jid, password, mechanism }) {
    const conn = new Connection(service, { transports: [WebSocketTransport], mechanisms: [MECHANISMS[mechanism]] });
    await conn.connect(jid, password);
    if (conn.mechanism !== mechanism) throw new Error(`logged in with ${conn.mechanism}, not ${mechanism}`);
    return conn;
  },
  disconnect(conn) {
    return conn.disconnect();
  },
  onMessage(conn, fn) {
    conn.addHandler(
      (m) => {
        fn(m.getChildText('body'));
        return true;
      },
      null,
      'message',
    );
  },
  sendChat(conn, to, body, id) {
    conn.send($msg({ to, type: 'chat', id }).c('body').t(body).up().c('no-store', { xmlns: 'urn:xmpp:hints' }));
  },
  parsers() {
    return {
      'stream parser (default)': async () => frameParser(createStreamParser),
      'sax-wasm': async () => frameParser(await saxWasmParser(fetch('/sax-wasm.wasm'))),
    };
  },
  async scramSha1() {
    const v = SCRAM_VECTOR;
    const ctx = {
      authcid: v.user,
      jid: `${v.user}@localhost`,
      domain: 'localhost',
      password: v.password,
      secure: true,
      allowInsecurePasswords: false,
      service: 'ws://localhost/',
      setScramKeys() {},
    };
    const mech = new ScramSha1({ nonce: () => v.clientNonce });
    mech.onStart(ctx);
    await mech.clientChallenge(ctx);
    return mech.onChallenge(ctx, utf8Encode(v.serverFirst));
  },
});
