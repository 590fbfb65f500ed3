// A deterministic, realistic mix of server-to-client stanzas, one WebSocket frame each, as Prosody writes them:
// chat and groupchat messages, presences with entity caps and MUC items, roster pushes, MAM results, IQ results.

const WORDS = ('the quick brown fox jumps over a lazy dog we should meet tomorrow at noon for lunch and talk about ' +
  'release plans ok sounds good see you then thanks café über naïve 日本語 テスト привет 👍 🎉').split(' ');
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const RESOURCES = ['phone', 'laptop', 'web-3f9a', 'gajim.XK2', 'conversations.Q1w'];
const FEATURES = [
  'http://jabber.org/protocol/caps', 'http://jabber.org/protocol/disco#info', 'http://jabber.org/protocol/disco#items',
  'http://jabber.org/protocol/muc', 'urn:xmpp:receipts', 'urn:xmpp:chat-markers:0', 'jabber:iq:version', 'urn:xmpp:ping',
  'urn:xmpp:mam:2', 'urn:xmpp:carbons:2', 'http://jabber.org/protocol/chatstates', 'urn:xmpp:jingle:1',
];

function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const escapeText = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s) => escapeText(s).replace(/'/g, '&apos;').replace(/"/g, '&quot;');

export function buildCorpus(count = 2000, seed = 7) {
  const r = prng(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const id = () => Math.floor(r() * 2 ** 48).toString(36) + Math.floor(r() * 2 ** 48).toString(36);
  const jid = () => `${pick(USERS)}@localhost`;
  const full = () => `${jid()}/${pick(RESOURCES)}`;
  const me = 'alice@localhost/web-3f9a';
  const stamp = () => `2026-0${1 + Math.floor(r() * 9)}-1${Math.floor(r() * 9)}T1${Math.floor(r() * 9)}:2${Math.floor(r() * 9)}:3${Math.floor(r() * 9)}Z`;
  const sentence = () => {
    const n = 3 + Math.floor(r() * 25);
    let s = Array.from({ length: n }, () => pick(WORDS)).join(' ');
    if (r() < 0.15) s += ' <b>&</b> "quoted" it\'s';
    return escapeText(s);
  };
  const chat = () => {
    const from = full();
    let extra = '';
    if (r() < 0.5) extra += "<active xmlns='http://jabber.org/protocol/chatstates'/>";
    if (r() < 0.4) extra += "<request xmlns='urn:xmpp:receipts'/><markable xmlns='urn:xmpp:chat-markers:0'/>";
    return `<message to='${me}' xml:lang='en' from='${from}' id='${id()}' type='chat' xmlns='jabber:client'><body>${sentence()}</body>${extra}<stanza-id id='${id()}' by='alice@localhost' xmlns='urn:xmpp:sid:0'/></message>`;
  };
  const groupchat = () => {
    const nick = pick(USERS);
    const delay = r() < 0.3 ? `<delay xmlns='urn:xmpp:delay' from='room@conference.localhost' stamp='${stamp()}'/>` : '';
    return `<message to='${me}' from='room@conference.localhost/${nick}' id='${id()}' type='groupchat' xmlns='jabber:client'><body>${sentence()}</body>${delay}<occupant-id id='${id()}' xmlns='urn:xmpp:occupant-id:0'/><stanza-id id='${id()}' by='room@conference.localhost' xmlns='urn:xmpp:sid:0'/></message>`;
  };
  const presence = () => {
    const from = r() < 0.3 ? `room@conference.localhost/${pick(USERS)}` : full();
    const show = r() < 0.4 ? `<show>${pick(['away', 'chat', 'dnd', 'xa'])}</show>` : '';
    const status = r() < 0.3 ? `<status>${sentence()}</status>` : '';
    const caps = `<c hash='sha-1' node='https://conversations.im' ver='${escapeAttr(id())}=' xmlns='http://jabber.org/protocol/caps'/>`;
    const muc = from.startsWith('room@')
      ? `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='${pick(['none', 'member', 'owner'])}' role='participant' jid='${full()}'/></x>`
      : '';
    const avatar = r() < 0.3 ? `<x xmlns='vcard-temp:x:update'><photo>${id()}${id()}</photo></x>` : '';
    return `<presence from='${from}' to='${me}' id='${id()}' xmlns='jabber:client'>${show}<priority>${Math.floor(r() * 10)}</priority>${status}${caps}${muc}${avatar}</presence>`;
  };
  const rosterPush = () => {
    const items = Array.from({ length: 1 + Math.floor(r() * 3) }, () => {
      const groups = r() < 0.6 ? `<group>${pick(['Friends', 'Work', 'Family', 'Café crew'])}</group>` : '';
      return `<item subscription='${pick(['both', 'to', 'from', 'none'])}' jid='${jid()}' name='${escapeAttr(pick(USERS))} ${escapeAttr(pick(WORDS))}'>${groups}</item>`;
    }).join('');
    return `<iq type='set' id='${id()}' to='${me}' xmlns='jabber:client'><query ver='${id()}' xmlns='jabber:iq:roster'>${items}</query></iq>`;
  };
  const mam = () => {
    const from = full();
    return `<message to='${me}' xmlns='jabber:client'><result queryid='q1' id='${id()}' xmlns='urn:xmpp:mam:2'><forwarded xmlns='urn:xmpp:forward:0'><delay stamp='${stamp()}' xmlns='urn:xmpp:delay'/><message to='alice@localhost' xml:lang='en' from='${from}' id='${id()}' type='chat' xmlns='jabber:client'><body>${sentence()}</body><origin-id id='${id()}' xmlns='urn:xmpp:sid:0'/></message></forwarded></result></message>`;
  };
  const iqResult = () => {
    if (r() < 0.5) return `<iq type='result' id='${id()}' from='localhost' to='${me}' xmlns='jabber:client'/>`;
    const feats = FEATURES.filter(() => r() < 0.7).map((f) => `<feature var='${f}'/>`).join('');
    return `<iq type='result' id='${id()}' from='${full()}' to='${me}' xmlns='jabber:client'><query xmlns='http://jabber.org/protocol/disco#info'><identity category='client' type='${pick(['pc', 'phone', 'web'])}' name='${pick(['Gajim', 'Conversations', 'Dino'])}'/>${feats}</query></iq>`;
  };
  // mix by share: chat 30 %, groupchat 12 %, presence 25 %, roster push 5 %, MAM result 20 %, IQ result 8 %
  const mix = [[0.3, chat], [0.42, groupchat], [0.67, presence], [0.72, rosterPush], [0.92, mam], [1, iqResult]];
  return Array.from({ length: count }, () => {
    const x = r();
    return mix.find(([limit]) => x < limit)[1]();
  });
}

/** Counts and average size, for the report. */
export function describeCorpus(frames) {
  const kinds = {};
  for (const f of frames) {
    const kind = f.includes("urn:xmpp:mam:2'") ? 'mam' : f.includes("jabber:iq:roster'") ? 'roster' : /^<(\w+)/.exec(f)[1];
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  const bytes = frames.reduce((n, f) => n + Buffer.byteLength(f), 0);
  return { count: frames.length, avgBytes: Math.round(bytes / frames.length), kinds };
}
