// Strophe-style builders: cursor moves, attributes, copies of other trees, serialization.
import { describe, expect, it } from 'vitest';
import { $build, $iq, $msg, $pres, Builder, toElement } from '../../src/xml/builder.js';
import { XmlElement } from '../../src/xml/element.js';
import { XmlCharacterError, XmlNameError } from '../../src/xml/escape.js';

describe('builders', () => {
  it('$msg builds a jabber:client message with c/t/up', () => {
    const msg = $msg({ to: 'juliet@capulet.lit', type: 'chat', id: 'm1' })
      .c('body')
      .t('Wherefore art thou?')
      .up()
      .c('active', { xmlns: 'http://jabber.org/protocol/chatstates' })
      .up()
      .c('thread', {}, 'T1');
    expect(msg.toString()).toBe(
      '<message xmlns="jabber:client" to="juliet@capulet.lit" type="chat" id="m1"><body>Wherefore art thou?</body><active xmlns="http://jabber.org/protocol/chatstates"/><thread>T1</thread></message>',
    );
    expect(msg.tree().getChildText('body', 'jabber:client')).toBe('Wherefore art thou?');
  });

  it('$iq and $pres set the namespace and take attributes; undefined and null are skipped', () => {
    expect($iq({ type: 'get', id: 7, to: undefined }).c('ping', { xmlns: 'urn:xmpp:ping' }).toString()).toBe(
      '<iq xmlns="jabber:client" type="get" id="7"><ping xmlns="urn:xmpp:ping"/></iq>',
    );
    expect($pres().toString()).toBe('<presence xmlns="jabber:client"/>');
    expect($pres({ type: 'unavailable', xmlns: 'jabber:server' }).toString()).toBe('<presence xmlns="jabber:server" type="unavailable"/>');
    expect($pres({ from: null }).c('show').t('away').up().c('priority').t('5').toString()).toBe(
      '<presence xmlns="jabber:client"><show>away</show><priority>5</priority></presence>',
    );
  });

  it('$build makes any element; attrs() changes the current element; up() stops at the root', () => {
    const b = $build('query', { xmlns: 'jabber:iq:roster' }).c('item', { jid: 'a@b' }).attrs({ name: 'A', jid: null }).up().up().up();
    b.attrs({ ver: 'v1' });
    expect(b.toString()).toBe('<query xmlns="jabber:iq:roster" ver="v1"><item name="A"/></query>');
  });

  it('t() appends text to the current element and keeps the cursor', () => {
    expect($build('a').t('x').t('y').c('b').t('1').up().t('z').toString()).toBe('<a>xy<b>1</b>z</a>');
  });

  it('cnode() appends a copy of an element or builder and moves into it', () => {
    const form = $build('x', { xmlns: 'jabber:x:data', type: 'submit' }).c('field', { var: 'FORM_TYPE' });
    const source = new XmlElement('item', { id: '1' });
    const iq = $iq({ type: 'set' }).c('command').cnode(form).c('value').t('v').up().up().cnode(source).attrs({ extra: 'y' });
    expect(iq.toString()).toBe(
      '<iq xmlns="jabber:client" type="set"><command><x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"/><value>v</value></x><item id="1" extra="y"/></command></iq>',
    );
    expect(source.toString()).toBe('<item id="1"/>');
    expect(form.toString()).toBe('<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"/></x>');
  });

  it('tree() and toElement() give the root element', () => {
    const b = $msg().c('body').t('x');
    expect(b).toBeInstanceOf(Builder);
    expect(b.tree().name).toBe('message');
    expect(toElement(b)).toBe(b.tree());
    const el = new XmlElement('r');
    expect(toElement(el)).toBe(el);
  });

  it('escapes text and attribute values', () => {
    expect($msg({ id: `a"b'c<d>&e` }).c('body').t('1 < 2 && "x" > \'y\'').toString()).toBe(
      '<message xmlns="jabber:client" id="a&quot;b&apos;c&lt;d&gt;&amp;e"><body>1 &lt; 2 &amp;&amp; "x" &gt; \'y\'</body></message>',
    );
  });

  it('refuses characters XML cannot carry', () => {
    expect(() => $msg().c('body').t('bell \u0007')).toThrow(XmlCharacterError);
    expect(() => $msg({ id: '\u0000' })).toThrow(XmlCharacterError);
    expect(() => $build('a').c('b', {}, '\uDFFF')).toThrow(XmlCharacterError);
  });

  it('refuses element and attribute names that would inject markup', () => {
    expect(() => $build('<script>')).toThrow(XmlNameError);
    expect(() => $msg().c('x"y')).toThrow(XmlNameError);
    expect(() => $msg().c('body', { 'a b': 'x' })).toThrow(XmlNameError);
    expect(() => $iq({ 'id="1" onload': 'x' })).toThrow(XmlNameError);
    expect(() => $pres().attrs({ 'a>': '1' })).toThrow(XmlNameError);
    expect($build('x:y', { 'xmlns:x': 'urn:x', 'xml:lang': 'en' }).c('x:z').toString()).toBe('<x:y xmlns:x="urn:x" xml:lang="en"><x:z/></x:y>');
  });

  it('builds and serializes a tree 100000 levels deep', () => {
    const b = $build('r');
    for (let i = 0; i < 100_000; i++) b.c('a');
    const xml = b.toString();
    expect(xml.length).toBe('<r>'.length + 3 * 99_999 + '<a/>'.length + 4 * 99_999 + '</r>'.length);
    expect($build('s').cnode(b).tree().toString()).toBe(`<s>${xml}</s>`);
  });
});
