// Strophe.js 5 behind the bench adapter: its ESM browser build, its WebSocket transport and DOMParser path.
import { $msg, Strophe } from 'strophe.js';
import { installDriver, SCRAM_VECTOR } from './driver.js';

const MECHANISMS = { 'SCRAM-SHA-1': Strophe.SASLSHA1, PLAIN: Strophe.SASLPlain };
const FAILED = new Set([Strophe.Status.CONNFAIL, Strophe.Status.AUTHFAIL, Strophe.Status.ERROR, Strophe.Status.CONNTIMEOUT]);

installDriver({
  name: 'strophe.js',
  mechanisms: Object.keys(MECHANISMS),
  connect({ service, jid, password, mechanism }) {
    return new Promise((resolve, reject) => {
      const conn = new Strophe.Connection(service, { mechanisms: [MECHANISMS[mechanism]] });
      conn.onStatus = null;
      conn.connect(jid, password, (status, condition) => {
        if (status === Strophe.Status.CONNECTED) resolve(conn);
        else if (FAILED.has(status)) reject(new Error(`strophe.js: status ${status} ${condition ?? ''}`));
        conn.onStatus?.(status);
      });
    });
  },
  disconnect(conn) {
    return new Promise((resolve) => {
      conn.onStatus = (status) => status === Strophe.Status.DISCONNECTED && resolve();
      conn.disconnect();
    });
  },
  onMessage(conn, fn) {
    conn.addHandler(
      (m) => {
        fn(m.getElementsByTagName('body')[0]?.textContent);
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
      // what Strophe's WebSocket _onMessage does with each frame: wrap it, then a new DOMParser per stanza
      'DOMParser per frame (its _onMessage path)': async () => {
        const proto = new Strophe.Connection('ws://127.0.0.1:9/unused')._proto;
        return (frame) => {
          const wrapper = new DOMParser().parseFromString(proto._streamWrap(frame), 'text/xml').documentElement;
          const stanza = wrapper.firstElementChild;
          if (!stanza || stanza.nodeName === 'parsererror') throw new Error('strophe.js: parse error');
          return wrapper.childElementCount;
        };
      },
    };
  },
  async scramSha1() {
    const v = SCRAM_VECTOR;
    const conn = new Strophe.Connection('ws://127.0.0.1:9/unused');
    conn.authcid = v.user;
    conn.pass = v.password;
    conn._sasl_data = {};
    const mech = new Strophe.SASLSHA1();
    mech.clientChallenge(conn, v.clientNonce);
    return mech.onChallenge(conn, v.serverFirst);
  },
});
