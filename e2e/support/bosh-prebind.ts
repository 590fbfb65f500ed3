// A server-side prebind login, as a web back end would do it: create a BOSH session, authenticate with PLAIN,
// bind, and hand jid/sid/rid to the page. Deliberately independent of the library under test.

const NS_BOSH = 'http://jabber.org/protocol/httpbind';

/** Logs in over BOSH and returns the session for `attach()`; `rid` is the next rid the page must use. */
export async function prebind(url: string, domain: string, user: string, password: string, resource: string): Promise<{ jid: string; sid: string; rid: number }> {
  let rid = 1_000_000 + Math.floor(Math.random() * 1_000_000);
  let sid = '';
  const post = async (body: string): Promise<string> => {
    const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body });
    const text = await res.text();
    if (!res.ok || /type=['"]terminate['"]/.test(text)) throw new Error(`prebind: HTTP ${res.status} ${text}`);
    return text;
  };
  const wrap = (inner: string, extra = '') => `<body xmlns='${NS_BOSH}' rid='${rid++}' sid='${sid}'${extra}>${inner}</body>`;
  const first = await post(
    `<body xmlns='${NS_BOSH}' xmlns:xmpp='urn:xmpp:xbosh' rid='${rid++}' to='${domain}' xml:lang='en' wait='10' hold='1' ver='1.6' xmpp:version='1.0'/>`,
  );
  sid = /sid=['"]([^'"]+)['"]/.exec(first)?.[1] ?? '';
  const creds = Buffer.from(`\0${user}\0${password}`).toString('base64');
  let reply = await post(wrap(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>${creds}</auth>`));
  if (!reply.includes('<success')) reply = await post(wrap(''));
  if (!reply.includes('<success')) throw new Error(`prebind: login failed: ${reply}`);
  await post(wrap('', ` xmlns:xmpp='urn:xmpp:xbosh' xmpp:restart='true' to='${domain}'`));
  reply = await post(wrap(`<iq xmlns='jabber:client' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>${resource}</resource></bind></iq>`));
  for (let i = 0; i < 5 && !reply.includes('<jid>'); i++) reply = await post(wrap(''));
  const jid = /<jid>([^<]+)<\/jid>/.exec(reply)?.[1];
  if (!jid) throw new Error(`prebind: no bound JID: ${reply}`);
  return { jid, sid, rid };
}
