// Redaction of raw text for the rawInput/rawOutput hooks: every trick a server could use to get a SASL payload or a
// FAST token past it, and agreement with the redaction of parsed elements (redact) on well-formed SASL frames.
import { describe, expect, it } from 'vitest';
import { loadRawRedaction, REDACTED, redact, withRawRedaction } from '../src/log.js';
import { redactRaw } from '../src/raw-redaction.js';
import { NS_FAST, NS_SASL, NS_SASL2 } from '../src/ns.js';
import type { XmlElement } from '../src/xml/element.js';
import { createStreamParser } from '../src/xml/stream-parser.js';

const SECRET = 'c2VjcmV0LXBheWxvYWQ=';

/** [what, raw text holding SECRET]: none of it may reach a debug hook. */
const LEAKS: [string, string][] = [
  ['a plain SASL element', `<success xmlns='${NS_SASL}'>${SECRET}</success>`],
  ['a non-ASCII prefix', `<é:success xmlns:é='${NS_SASL}'>${SECRET}</é:success>`],
  ['a prefix outside the Latin script', `<ŝ:auth xmlns:ŝ='${NS_SASL}' mechanism='PLAIN'>${SECRET}</ŝ:auth>`],
  ['an odd but legal prefix', `<_.-9:response xmlns:_.-9='${NS_SASL}'>${SECRET}</_.-9:response>`],
  ['upper case', `<AUTH>${SECRET}</AUTH>`],
  ['the payload after a comment', `<success xmlns='${NS_SASL}'><!---->${SECRET}</success>`],
  ['the payload after a processing instruction', `<challenge xmlns='${NS_SASL}'><?x?>${SECRET}</challenge>`],
  ['the payload after a DOCTYPE-like declaration', `<challenge><!x>${SECRET}</challenge>`],
  ['the payload after an empty CDATA section', `<response><![CDATA[]]>${SECRET}</response>`],
  ['an unterminated CDATA section', `<challenge xmlns='${NS_SASL}'><![CDATA[${SECRET}`],
  ['a CDATA section holding the end tag', `<auth><![CDATA[</auth>]]>${SECRET}</auth>`],
  ['a comment holding the end tag', `<auth><!--</auth>-->${SECRET}</auth>`],
  ['a quoted value holding the end tag', `<auth><x a='</auth>'/>${SECRET}</auth>`],
  ['a nested element of the same name', `<auth><auth>x</auth>${SECRET}</auth>`],
  ['an end tag with another prefix', `<p:auth xmlns:p='${NS_SASL}'>x</auth>${SECRET}</p:auth>`],
  ['a mismatched end tag', `<auth>x</other>${SECRET}</auth>`],
  ['an unterminated element', `<initial-response>${SECRET}`],
  ['an unterminated start tag', `<auth mechanism='PLAIN'<x>${SECRET}</auth>`],
  ['an end tag with whitespace', `<response>${SECRET}</response\n>`],
  ['payload and children mixed', `<success xmlns='${NS_SASL2}'><authorization-identifier>a@b</authorization-identifier><additional-data>${SECRET}</additional-data></success>`],
  ['SASL2 authenticate', `<authenticate xmlns='${NS_SASL2}' mechanism='SCRAM-SHA-256'><initial-response>${SECRET}</initial-response></authenticate>`],
  ['SASL2 continue', `<continue xmlns='${NS_SASL2}'><additional-data>${SECRET}</additional-data></continue>`],
  ['a SASL2 task', `<next xmlns='${NS_SASL2}' task='UPGR-SCRAM-SHA-256'>${SECRET}</next>`],
  ['SASL2 task data', `<task-data xmlns='${NS_SASL2}'><salt xmlns='urn:xmpp:scram-upgrade:0' iterations='4096'>${SECRET}</salt></task-data>`],
  ['a FAST token in double quotes holding a single one', `<token xmlns='${NS_FAST}' token="${SECRET}'x"/>`],
  ['a FAST token in single quotes holding a double one', `<token xmlns='${NS_FAST}' token='${SECRET}"x'/>`],
  ['a token attribute with spaces around "="', `<x token = '${SECRET}'/>`],
  ['a prefixed token attribute', `<x p:token='${SECRET}'/>`],
  ['an unquoted token attribute', `<x token=${SECRET}>`],
  ['an unterminated token attribute', `<x token='${SECRET}`],
  ['a token attribute holding "<"', `<x token='a<b ${SECRET}'/>`],
  ['a one-letter attribute before a token', `<x a='1' token='${SECRET}'/>`],
  ['a SASL element inside an attribute value', `<x a='<auth>${SECRET}</auth>'/>`],
  ['a SASL element after a broken tag', `<x a='1'<auth>${SECRET}</auth>`],
  ['a whole BOSH body', `<body xmlns='http://jabber.org/protocol/httpbind'><success xmlns='${NS_SASL}'>${SECRET}</success></body>`],
];

/** Raw text that carries no secret and comes back as it is. */
const KEPT = [
  `<message xmlns='jabber:client' to='a@b'><body>hello &amp; bye</body></message>`,
  `<mechanisms xmlns='${NS_SASL}'><mechanism>PLAIN</mechanism><mechanism>SCRAM-SHA-1</mechanism></mechanisms>`,
  `<auth xmlns='${NS_SASL}' mechanism='EXTERNAL'/>`,
  `<failure xmlns='${NS_SASL}'><not-authorized/><text>bad password</text></failure>`,
  `<iq type='result' id='x'/> `,
  'not XML at all < > &',
  '',
];

function parse(xml: string): XmlElement {
  let el: XmlElement | undefined;
  createStreamParser({ onStreamStart() {}, onStreamEnd() {}, onElement: (e) => (el = e), onError: (e) => expect.fail(e.message) }, { fragment: true }).write(xml);
  return el as XmlElement;
}

describe('redactRaw', () => {
  for (const [what, raw] of LEAKS) {
    it(`hides the secret with ${what}`, () => {
      const shown = redactRaw(raw);
      expect(shown).not.toContain(SECRET);
      expect(shown).toContain(REDACTED);
    });
  }

  it('leaves text without a secret as it is', () => {
    for (const raw of KEPT) expect(redactRaw(raw)).toBe(raw);
  });

  it('keeps the tags around a payload, and what follows the element', () => {
    expect(redactRaw(`<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${SECRET}</auth><r xmlns='urn:xmpp:sm:3'/>`)).toBe(
      `<auth xmlns='${NS_SASL}' mechanism='PLAIN'>${REDACTED}</auth><r xmlns='urn:xmpp:sm:3'/>`,
    );
    expect(redactRaw(`<x id='1' token="a'b" to='c'/>`)).toBe(`<x id='1' token="${REDACTED}" to='c'/>`);
  });

  it('hides every payload that redact hides in a well-formed SASL or SASL2 element', () => {
    const payloadElements: [string, string][] = [
      [NS_SASL, 'auth'],
      [NS_SASL, 'response'],
      [NS_SASL, 'challenge'],
      [NS_SASL, 'success'],
      [NS_SASL2, 'initial-response'],
      [NS_SASL2, 'response'],
      [NS_SASL2, 'challenge'],
      [NS_SASL2, 'additional-data'],
      [NS_SASL2, 'next'],
      [NS_SASL2, 'task-data'],
    ];
    for (const [ns, name] of payloadElements) {
      for (const prefix of ['', 'p:', 'ŝ:']) {
        const raw = `<${prefix}${name} xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}='${ns}'>${SECRET}</${prefix}${name}>`;
        expect(redact(parse(raw)).toString(), raw).not.toContain(SECRET);
        expect(redactRaw(raw), raw).not.toContain(SECRET);
      }
    }
  });
});

describe('withRawRedaction', () => {
  it('holds text that comes while the redaction loads, then gives it redacted and in order', async () => {
    const shown: string[] = [];
    const texts = [`<auth xmlns='${NS_SASL}'>${SECRET}</auth>`, '<a/>', `<response xmlns='${NS_SASL}'>${SECRET}</response>`];
    for (const text of texts) withRawRedaction((redactRaw) => shown.push(redactRaw(text)));
    await loadRawRedaction();
    await Promise.resolve();
    expect(shown).toEqual(texts.map(redactRaw));
    // once loaded, at once
    withRawRedaction((redactRaw) => shown.push(redactRaw('<b/>')));
    expect(shown.at(-1)).toBe('<b/>');
  });
});
