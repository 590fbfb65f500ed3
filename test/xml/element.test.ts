// XmlElement: attributes, child lookup with and without namespaces, text, namespace resolution, copying.
import { describe, expect, it } from 'vitest';
import { XmlElement } from '../../src/xml/element.js';
import { XmlCharacterError } from '../../src/xml/escape.js';
import { createStreamParser } from '../../src/xml/stream-parser.js';
import { record } from './support.js';

function parse(xml: string): XmlElement {
  const r = record(createStreamParser, { fragment: true });
  r.parser.write(xml);
  const e = r.events[0];
  if (e?.type !== 'element') throw new Error(`not parsed: ${xml}`);
  return e.element;
}

const STANZA = parse(
  "<message xmlns='jabber:client' xmlns:x='urn:x' to='a@b' type='chat'><body>hi </body><body xml:lang='fr'>salut</body>" +
    "<x:data x:k='v'><item/></x:data><active xmlns='http://jabber.org/protocol/chatstates'/>text<thread/></message>",
);

describe('XmlElement', () => {
  it('reads attributes, and only its own', () => {
    expect(STANZA.getAttribute('to')).toBe('a@b');
    expect(STANZA.getAttribute('from')).toBeUndefined();
    expect(STANZA.getAttribute('constructor')).toBeUndefined();
    expect(STANZA.getAttribute('toString')).toBeUndefined();
    expect(STANZA.getChild('data')?.getAttribute('x:k')).toBe('v');
  });

  it('finds children by local name, with or without a namespace', () => {
    expect(STANZA.getChild('body')?.text()).toBe('hi ');
    expect(STANZA.getChild('body', 'jabber:client')?.text()).toBe('hi ');
    expect(STANZA.getChild('body', 'urn:other')).toBeUndefined();
    expect(STANZA.getChild('data', 'urn:x')?.name).toBe('x:data');
    expect(STANZA.getChild('active', 'http://jabber.org/protocol/chatstates')?.name).toBe('active');
    expect(STANZA.getChild('active', 'jabber:client')).toBeUndefined();
    expect(STANZA.getChild('missing')).toBeUndefined();
    expect(STANZA.getChildByNS('urn:x')?.name).toBe('x:data');
  });

  it('lists children, all or by name and namespace', () => {
    expect(STANZA.getChildren().map((c) => c.name)).toEqual(['body', 'body', 'x:data', 'active', 'thread']);
    expect(STANZA.getChildren('body').map((c) => c.text())).toEqual(['hi ', 'salut']);
    expect(STANZA.getChildren('body', 'urn:x')).toEqual([]);
    expect(STANZA.getChildren('item')).toEqual([]);
  });

  it('reads child text and its own text', () => {
    expect(STANZA.getChildText('body')).toBe('hi ');
    expect(STANZA.getChildText('thread')).toBe('');
    expect(STANZA.getChildText('subject')).toBeUndefined();
    expect(STANZA.text()).toBe('text');
  });

  it('matches by name and namespace with is()', () => {
    expect(STANZA.is('message')).toBe(true);
    expect(STANZA.is('message', 'jabber:client')).toBe(true);
    expect(STANZA.is('message', 'urn:x')).toBe(false);
    expect(STANZA.is('iq')).toBe(false);
    const data = STANZA.getChild('data');
    expect(data?.is('data', 'urn:x')).toBe(true);
    expect(data?.localName).toBe('data');
    expect(data?.prefix).toBe('x');
  });

  it('resolves namespaces through its parents', () => {
    const item = STANZA.getChild('data')?.getChild('item');
    expect(item?.getNS()).toBe('jabber:client');
    expect(STANZA.getChildren('body')[1]?.getNS()).toBe('jabber:client');
    expect(item?.resolvePrefix('x')).toBe('urn:x');
    expect(item?.resolvePrefix('xml')).toBe('http://www.w3.org/XML/1998/namespace');
    expect(item?.resolvePrefix('nope')).toBeUndefined();
    expect(new XmlElement('a').getNS()).toBeUndefined();
  });

  it('builds, appends and removes children', () => {
    const el = new XmlElement('iq', { type: 'get', id: 1, skip: undefined, gone: null, flag: true }, ['x', new XmlElement('query')]);
    expect(el.toString()).toBe('<iq type="get" id="1" flag="true">x<query/></iq>');
    const q = el.getChild('query') as XmlElement;
    expect(q.parent).toBe(el);
    expect(el.remove(q)).toBe(true);
    expect(el.remove(q)).toBe(false);
    expect(q.parent).toBeUndefined();
    el.setAttrs({ type: null, id: 'z' });
    expect(el.toString()).toBe('<iq id="z" flag="true">x</iq>');
  });

  it('keeps an attribute named __proto__ as an attribute', () => {
    const el = new XmlElement('a', JSON.parse('{"__proto__":"p"}') as Record<string, string>);
    expect(el.getAttribute('__proto__')).toBe('p');
    expect(Object.getPrototypeOf(el.attrs)).toBe(Object.prototype);
    expect(el.toString()).toBe('<a __proto__="p"/>');
  });

  it('copies deeply and detaches the copy', () => {
    const copy = STANZA.getChild('data')?.clone() as XmlElement;
    expect(copy.parent).toBeUndefined();
    expect(copy.toString()).toBe('<x:data x:k="v"><item/></x:data>');
    copy.getChild('item')?.setAttrs({ a: '1' });
    expect(STANZA.getChild('data')?.toString()).toBe('<x:data x:k="v"><item/></x:data>');
    expect(copy.getChild('item')?.parent).toBe(copy);
  });

  it('refuses characters XML cannot carry, in text and attributes', () => {
    expect(() => new XmlElement('a', { v: 'x\u0001' })).toThrow(XmlCharacterError);
    expect(() => new XmlElement('a').append('\uFFFF')).toThrow(XmlCharacterError);
    expect(() => new XmlElement('a').append('\uD800x')).toThrow(/U\+D800 at 0 /);
    expect(() => new XmlElement('a').setAttrs({ v: '\uDC00' })).toThrow(XmlCharacterError);
    expect(() => new XmlElement('a', { v: '😀\t\n\r' }, ['𝄞'])).not.toThrow();
  });
});
