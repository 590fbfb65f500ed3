// A tiny XMPP-over-WebSocket server for the client-bound throughput test: it answers <open/>, offers PLAIN,
// accepts any login, binds the requested resource, and answers every <message/> at once with one addressed
// back to the sender, shaped as Prosody delivers it. Run alone: node bench/echo-server.mjs [port].
import { WebSocketServer } from 'ws';

const FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
const FEATURES_AUTH =
  "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>";
const FEATURES_BIND =
  "<stream:features xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client'><c hash='sha-1' xmlns='http://jabber.org/protocol/caps' node='http://prosody.im' ver='ArkL5ViPOzWpStrlPwOuPCTPiUk='/><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind><session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>";

const attr = (frame, name) => new RegExp(`\\s${name}=(["'])(.*?)\\1`).exec(frame)?.[2];
const between = (frame, open, close) => {
  const a = frame.indexOf(open);
  if (a < 0) return undefined;
  const start = frame.indexOf('>', a) + 1;
  const end = frame.indexOf(close, start);
  return end < 0 ? undefined : frame.slice(start, end);
};

function session(ws) {
  let user = 'bench';
  let domain = 'localhost';
  let jid = '';
  let authed = false;
  let serial = 0;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003);
    const frame = data.toString();
    if (frame.startsWith('<message')) {
      // the echo: from a fixed peer to the sender's full JID, body copied verbatim (already escaped)
      const body = between(frame, '<body', '</body>') ?? '';
      const id = attr(frame, 'id') ?? `e${serial}`;
      ws.send(
        `<message to='${jid}' xml:lang='en' from='echo@${domain}/echo' id='${id}' type='chat' xmlns='jabber:client'><body>${body}</body><stanza-id id='s${++serial}' by='${jid.split('/')[0]}' xmlns='urn:xmpp:sid:0'/></message>`,
      );
    } else if (frame.startsWith('<open')) {
      domain = attr(frame, 'to') ?? domain;
      ws.send(`<open xml:lang='en' version='1.0' id='echo-${Date.now()}' from='${domain}' xmlns='${FRAMING}'/>`);
      ws.send(authed ? FEATURES_BIND : FEATURES_AUTH);
    } else if (frame.startsWith('<auth')) {
      const payload = Buffer.from(between(frame, '<auth', '</auth>') ?? '', 'base64').toString('utf8');
      user = payload.split('\0')[1] || user;
      authed = true;
      ws.send("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
    } else if (frame.startsWith('<iq')) {
      const id = attr(frame, 'id') ?? '';
      if (frame.includes('urn:ietf:params:xml:ns:xmpp-bind')) {
        jid = `${user}@${domain}/${between(frame, '<resource', '</resource>') || `echo-${serial}`}`;
        ws.send(`<iq type='result' id='${id}' xmlns='jabber:client'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>${jid}</jid></bind></iq>`);
      } else if (/type=["'](get|set)["']/.test(frame)) ws.send(`<iq type='result' id='${id}' to='${jid}' xmlns='jabber:client'/>`);
    } else if (frame.startsWith('<close')) {
      ws.send(`<close xmlns='${FRAMING}'/>`);
      ws.close();
    }
    // presence and anything else: no answer
  });
}

/** Starts the echo server on 127.0.0.1; resolves with its ws:// URL and a close(). */
export function startEchoServer(port = 0) {
  return new Promise((resolve, reject) => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port, handleProtocols: (protocols) => (protocols.has('xmpp') ? 'xmpp' : false) });
    wss.on('connection', session);
    wss.on('error', reject);
    wss.on('listening', () => {
      const url = `ws://127.0.0.1:${wss.address().port}/xmpp-websocket`;
      resolve({
        url,
        close: () =>
          new Promise((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => done());
          }),
      });
    });
  });
}

if (process.argv[1] === import.meta.filename) {
  const { url } = await startEchoServer(Number(process.argv[2] ?? 0));
  console.log(`echo server on ${url}`);
}
