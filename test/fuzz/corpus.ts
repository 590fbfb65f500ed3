// Valid server output as real servers send it (Prosody, ejabberd, the RFC and XEP examples): what the mutations
// start from and what they inject at the wrong moment; plus the hostile values attribute mutations draw from.

export const NS = {
  client: 'jabber:client',
  streams: 'http://etherx.jabber.org/streams',
  streamErrors: 'urn:ietf:params:xml:ns:xmpp-streams',
  stanzas: 'urn:ietf:params:xml:ns:xmpp-stanzas',
  sasl: 'urn:ietf:params:xml:ns:xmpp-sasl',
  bind: 'urn:ietf:params:xml:ns:xmpp-bind',
  session: 'urn:ietf:params:xml:ns:xmpp-session',
  sm: 'urn:xmpp:sm:3',
  framing: 'urn:ietf:params:xml:ns:xmpp-framing',
  httpbind: 'http://jabber.org/protocol/httpbind',
  ping: 'urn:xmpp:ping',
} as const;

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export const features = (inner: string): string => `<stream:features xmlns:stream='${NS.streams}'>${inner}</stream:features>`;
export const mechanisms = (...names: string[]): string =>
  `<mechanisms xmlns='${NS.sasl}'>${names.map((n) => `<mechanism>${n}</mechanism>`).join('')}</mechanisms>`;
export const sessionFeatures = features(
  `<bind xmlns='${NS.bind}'><required/></bind><session xmlns='${NS.session}'><optional/></session><sm xmlns='${NS.sm}'/><csi xmlns='urn:xmpp:csi:0'/><ver xmlns='urn:xmpp:features:rosterver'/>`,
);
export const sasl = (name: string, payload?: string): string =>
  payload === undefined ? `<${name} xmlns='${NS.sasl}'/>` : `<${name} xmlns='${NS.sasl}'>${payload === '' ? '=' : b64(payload)}</${name}>`;
export const saslFailure = (condition: string): string => `<failure xmlns='${NS.sasl}'><${condition}/></failure>`;
export const bindResult = (id: string, jid: string): string =>
  `<iq xmlns='${NS.client}' type='result' id='${id}'><bind xmlns='${NS.bind}'><jid>${jid}</jid></bind></iq>`;
export const sm = (name: string, attrs = ''): string => `<${name} xmlns='${NS.sm}'${attrs}/>`;
export const streamError = (condition: string, text = ''): string =>
  `<stream:error xmlns:stream='${NS.streams}'><${condition} xmlns='${NS.streamErrors}'/>${text ? `<text xmlns='${NS.streamErrors}'>${text}</text>` : ''}</stream:error>`;

/** Online traffic a server sends on its own; `n` varies ids. */
export const ONLINE: Readonly<Record<string, (jid: string, n: number) => string>> = {
  presence: (jid, n) =>
    `<presence xmlns='${NS.client}' from='friend@example.org/phone' to='${jid}' id='p${n}'><show>away</show><status>at lunch &amp; back soon</status><priority>5</priority><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversations.im' ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/></presence>`,
  chat: (jid, n) =>
    `<message xmlns='${NS.client}' from='friend@example.org/phone' to='${jid}' type='chat' id='m${n}'><body>hello &lt;3 — ünïcödé 😀</body><thread>t${n}</thread><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='o${n}'/></message>`,
  carbon: (jid, n) =>
    `<message xmlns='${NS.client}' from='user@example.org' to='${jid}' type='chat'><received xmlns='urn:xmpp:carbons:2'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2024-01-02T03:04:05Z'/><message xmlns='${NS.client}' from='friend@example.org/laptop' to='user@example.org/other' type='chat' id='c${n}'><body>carbon copy</body></message></forwarded></received></message>`,
  groupchat: (jid, n) =>
    `<message xmlns='${NS.client}' from='room@conference.example.org/nick' to='${jid}' type='groupchat' id='g${n}'><subject>Topic</subject><body>all: meeting at 10</body><stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example.org' id='s${n}'/></message>`,
  ping: (jid, n) => `<iq xmlns='${NS.client}' type='get' id='ping${n}' from='example.org' to='${jid}'><ping xmlns='${NS.ping}'/></iq>`,
  roster: (jid, n) =>
    `<iq xmlns='${NS.client}' type='set' id='push${n}' to='${jid}'><query xmlns='jabber:iq:roster' ver='ver${n}'><item jid='friend@example.org' name='Friend' subscription='both'><group>Friends</group></item></query></iq>`,
  disco: (jid, n) =>
    `<iq xmlns='${NS.client}' type='get' id='disco${n}' from='friend@example.org/phone' to='${jid}'><query xmlns='http://jabber.org/protocol/disco#info' node='https://antistrophe#abc'/></iq>`,
  error: (jid, n) =>
    `<message xmlns='${NS.client}' from='nobody@example.org' to='${jid}' type='error' id='e${n}'><error type='cancel' by='example.org'><item-not-found xmlns='${NS.stanzas}'/><text xmlns='${NS.stanzas}' xml:lang='en'>No such user</text></error></message>`,
  headline: (jid, n) =>
    `<message xmlns='${NS.client}' from='pubsub.example.org' to='${jid}' type='headline' id='h${n}'><event xmlns='http://jabber.org/protocol/pubsub#event'><items node='urn:xmpp:avatar:metadata'><item id='i${n}'><metadata xmlns='urn:xmpp:avatar:metadata'><info bytes='12345' id='i${n}' height='64' type='image/png' width='64'/></metadata></item></items></event></message>`,
  stray: (jid, n) => `<iq xmlns='${NS.client}' type='result' id='never-asked-${n}' from='example.org' to='${jid}'/>`,
};

/** Whole frames injected at the wrong moment (each valid on its own). */
export function strayFrames(jid: string, h: number): string[] {
  return [
    features(mechanisms('SCRAM-SHA-1', 'PLAIN')),
    features(mechanisms('SCRAM-SHA-512-PLUS', 'X-UNKNOWN', 'EXTERNAL', 'ANONYMOUS', 'OAUTHBEARER')),
    sessionFeatures,
    `<stream:features xmlns:stream='${NS.streams}'/>`,
    features(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>`),
    features(`<sm xmlns='urn:xmpp:sm:2'/><sm xmlns='${NS.sm}'/>`),
    sasl('challenge', 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'),
    sasl('challenge', 'realm="example.org",nonce="OA6MG9tEQGm2hh",qop="auth",charset=utf-8,algorithm=md5-sess'),
    sasl('challenge', 'rspauth=ea40f60335c427b5527b84dbabcdfffd'),
    sasl('challenge', ''),
    sasl('challenge'),
    sasl('success'),
    sasl('success', 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ='),
    saslFailure('not-authorized'),
    `<failure xmlns='${NS.sasl}'><temporary-auth-failure/><text xml:lang='en'>try later</text></failure>`,
    saslFailure('aborted'),
    saslFailure('account-disabled'),
    bindResult('bind_1', jid),
    bindResult('bind_1', 'someone-else@example.org/r1'),
    `<iq xmlns='${NS.client}' type='error' id='bind_1'><bind xmlns='${NS.bind}'><resource>r1</resource></bind><error type='modify'><conflict xmlns='${NS.stanzas}'/></error></iq>`,
    sm('enabled', ` id='some-long-sm-id' resume='true' max='300' location='[2001:41D0:1:A49b::1]:9222'`),
    sm('enabled'),
    `<failed xmlns='${NS.sm}'><unexpected-request xmlns='${NS.stanzas}'/></failed>`,
    `<failed xmlns='${NS.sm}' h='${h}'><item-not-found xmlns='${NS.stanzas}'/></failed>`,
    sm('resumed', ` previd='sm-1' h='${h}'`),
    sm('a', ` h='${h}'`),
    sm('a', ` h='${h + 1}'`),
    sm('r'),
    `<enabled xmlns='urn:xmpp:sm:2' id='old' resume='true'/>`,
    ...Object.values(ONLINE).map((f) => f(jid, 90)),
    streamError('conflict', 'Replaced by new connection'),
    streamError('system-shutdown'),
    `<stream:error xmlns:stream='${NS.streams}'><see-other-host xmlns='${NS.streamErrors}'>[2001:db8::1]:5222</see-other-host></stream:error>`,
    streamError('policy-violation', 'Too many stanzas'),
    streamError('undefined-condition', 'app says no'),
    streamError('connection-timeout'),
    streamError('reset'),
    `<stream:error><host-unknown xmlns='${NS.streamErrors}'/></stream:error>`,
    `<stream:error xmlns:stream='${NS.streams}'><bogus-condition xmlns='urn:example:app'/></stream:error>`,
    `<open xmlns='${NS.framing}' from='example.org' id='again' version='1.0' xml:lang='en'/>`,
    `<open xmlns='${NS.framing}' from='example.org' id='old' version='0.9'/>`,
    `<close xmlns='${NS.framing}'/>`,
    `<close xmlns='${NS.framing}' see-other-uri='ws://127.0.0.1/elsewhere'/>`,
    `<close xmlns='${NS.framing}' see-other-uri='http://127.0.0.1/http-bind'/>`,
    `<stream:stream xmlns='${NS.client}' xmlns:stream='${NS.streams}' id='x' from='example.org' version='1.0'>`,
    '</stream:stream>',
    ' ',
    '\r\n',
  ];
}

const bodyOpen = `<body xmlns='${NS.httpbind}' xmlns:stream='${NS.streams}'`;

/** A BOSH body that ends the session, with its payload (a stream error, say). */
export const terminateBody = (condition: string, inner: string): string => `${bodyOpen} type='terminate' condition='${condition}'>${inner}</body>`;

/** BOSH bodies that replace a whole answer. */
export function strayBodies(inner: string): string[] {
  const open = bodyOpen;
  return [
    `${open}>${inner}${inner}</body>`,
    `${open} type='terminate'/>`,
    `${open} type='terminate' condition='item-not-found'/>`,
    `${open} type='terminate' condition='remote-stream-error'>${streamError('conflict')}</body>`,
    `${open} type='terminate' condition='see-other-uri'><uri>http://127.0.0.1/other-bind</uri></body>`,
    `${open} type='terminate' condition='see-other-uri'><uri>ws://127.0.0.1/xmpp-websocket</uri></body>`,
    `${open} type='terminate' condition='system-shutdown'/>`,
    `${open} type='terminate' condition='policy-violation'/>`,
    `${open} type='terminate' condition='host-gone'/>`,
    `${open} type='terminate' condition='undefined-condition'/>`,
    `${open} type='terminate' condition='other-request'/>`,
    `${open} type='error'/>`,
    `${open} ack='1' report='2' time='10'/>`,
    `<body xmlns='urn:example:not-bosh'>${inner}</body>`,
    `<body>${inner}</body>`,
    `<html><body>502 Bad Gateway</body></html>`,
    `${open}/><body xmlns='${NS.httpbind}'/>`,
    '',
    `${open} sid='other-sid' wait='60' requests='2' hold='1'>${inner}</body>`,
  ];
}

/** Hostile `h`: out of range, negative, not decimal, look-alike digits, or plausible but wrong. */
export const H_VALUES = [
  '-1', '4294967295', '4294967296', '18446744073709551616', '99999999999999999999', '1e3', '0x10', ' 1', '1 ', '+1',
  'NaN', 'Infinity', '', 'abc', '1.0', '00000000001', '٣', '１', '0', '1', '2', '3', '7', '2147483648', '9007199254740993',
  '-0', '1,2', '&#49;', '&#x31;&#x30;', '4294967294',
];

/** Values by attribute name, for attribute mutations; `*` for any other attribute. */
export const ATTR_VALUES: Readonly<Record<string, readonly string[]>> = {
  h: H_VALUES,
  id: ['', 'x', 'bind_1', 'sm-1', 'x'.repeat(3000), '&lt;&gt;', 'ping1'],
  type: ['result', 'error', 'get', 'set', 'chat', 'groupchat', 'unavailable', 'terminate', '', 'RESULT', 'bogus'],
  xmlns: ['urn:xmpp:sm:2', NS.sm, 'jabber:server', NS.client, '', NS.sasl, NS.bind, NS.streams, NS.framing, NS.httpbind, NS.streamErrors, 'http://www.w3.org/2000/xmlns/'],
  resume: ['true', 'false', '1', '0', 'TRUE', 'yes', ''],
  previd: ['', 'sm-1', 'sm-2', 'unknown'],
  from: ['', '@', 'example.org', 'user@example.org', 'user@example.org/r1', 'USER@EXAMPLE.ORG/r1', 'user@evil.example/r1', 'a@b@c', `user@example.org/${'x'.repeat(1100)}`, '[::1]'],
  to: ['', 'user@example.org/r1', 'other@example.org/x', 'example.org', '@@'],
  version: ['1.0', '0.9', '2.0', '', '1.0 '],
  sid: ['', 'other-sid', 'sid-1', 'x'.repeat(500)],
  wait: ['-1', '0', '1', '60', '99999999999', '1e9', 'abc', '', ' 5', '3601'],
  hold: ['-1', '0', '1', '2', '999', 'x'],
  requests: ['0', '-3', '1', '2', '9999', 'two', '99999999999'],
  polling: ['0', '1', '61', '99999999', '-5', 'x'],
  inactivity: ['0', '-1', '99999999999'],
  condition: ['item-not-found', 'see-other-uri', 'remote-stream-error', 'system-shutdown', 'policy-violation', 'host-unknown', 'bad-request', 'bogus', ''],
  mechanism: ['PLAIN', 'SCRAM-SHA-1', 'X'],
  'see-other-uri': ['ws://127.0.0.1/elsewhere', 'http://127.0.0.1/http-bind', 'javascript:alert(1)', '', 'wss://127.0.0.1/x'],
  'xml:lang': ['en', '', 'x'.repeat(200)],
  '*': ['', 'x', '&amp;', '0', '-1', '4294967296', 'true', 'user@example.org/r1', 'x'.repeat(2000)],
};

/** Element names a rename draws from (some are not even XML names). */
export const ELEMENT_NAMES = [
  'enabled', 'failed', 'resumed', 'a', 'r', 'enable', 'resume', 'success', 'failure', 'challenge', 'response', 'abort',
  'stream:features', 'features', 'stream:error', 'error', 'iq', 'message', 'presence', 'open', 'close', 'body', 'bind', 'jid',
  'mechanisms', 'mechanism', 'x', 'stream:stream', 'sm:a', 'a:b:c', '1bad', '-x', 'xmlns:a', 'constructor', '__proto__',
];

/** Fragments inserted at random: markup, references, declarations, characters XML refuses, odd Unicode. */
export const TOKENS = [
  '<', '>', '&', '&amp;', '&lt;', '&#0;', '&#x110000;', '&#xD800;', '&#65;', '&foo;', '&#', '&#x;', '&#99999999999;',
  '<![CDATA[', ']]>', '<![CDATA[x]]>', '<![CDATA[</message>]]>', '<!--', '-->', '<!-- c -->', "<?xml version='1.0'?>", '<?pi x?>',
  `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>`, '<!ENTITY x "y">', '&lol2;', '</x>', '<x>', '<x/>',
  '"', "'", '=', '/>', '</', " xmlns=''", ` xmlns:stream='${NS.streams}'`, " xmlns:x=''", " x='1' x='2'", ' __proto__=\'1\'',
  '\u0000', '\u0007', '\u000B', '\uFFFE', '\uFFFF', '\uD800', '\uDFFF', '\uDBFF\uDFFF', '\uDC00\uD800', '\r\n', '\r', '\t', ' ',
  '\u00A0', '\u200B', '\u202E', '😀', 'é', '\u0301', '\uFEFF', '<stream:stream>', '</stream:stream>', '</body>', '<body>',
  `<body xmlns='${NS.httpbind}'/>`, `<r xmlns='${NS.sm}'/>`, `<a xmlns='${NS.sm}' h='1'/>`,
];
