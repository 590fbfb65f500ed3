// XmlElement: attributes, child lookup with and without namespaces, text, namespace resolution, copying, name
// checks, and serializing and copying trees of any depth.
import { describe, expect, it } from 'vitest';
import { MAX_TREE_DEPTH, XmlElement } from '../../src/xml/element.js';
import { XmlCharacterError, XmlNameError } from '../../src/xml/escape.js';
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

  describe('names', () => {
    // each would end the tag early or smuggle markup in when serialized
    const INJECTING = ['a b', '<script>', 'x"y', "x'y", 'a>', 'a/', 'a=b', 'a\n', '', '1a', '-a', 'a:b:c', ':a', 'a:', 'a\uD800', 'a\uFFFE'];
    const VALID = ['a', 'xmlns', 'xmlns:p', 'xml:lang', 'stream:features', 'é', '名前', '_a-b.c·d', 'a\u{1F600}'];

    it('refuses an element name that is not an XML name, with an XmlNameError', () => {
      for (const name of INJECTING) expect(() => new XmlElement(name), JSON.stringify(name)).toThrow(XmlNameError);
      for (const name of VALID) expect(new XmlElement(name).toString()).toBe(`<${name}/>`);
    });

    it('refuses attribute names that are not XML names, in the constructor and in setAttrs', () => {
      for (const name of INJECTING) {
        expect(() => new XmlElement('a', { [name]: 'x' }), JSON.stringify(name)).toThrow(XmlNameError);
        expect(() => new XmlElement('a').setAttrs({ [name]: 'x' }), JSON.stringify(name)).toThrow(XmlNameError);
      }
      for (const name of VALID) expect(new XmlElement('a', { [name]: 'v' }).toString()).toBe(`<a ${name}="v"/>`);
    });

    it('names the error and the name it refused', () => {
      const error = (() => {
        try {
          new XmlElement('a').setAttrs({ 'on click': 'x' });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(XmlNameError);
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).name).toBe('XmlNameError');
      expect((error as Error).message).toBe('"on click" is not an XML name');
    });

    it('accepts the same name again after refusing another', () => {
      expect(() => new XmlElement('a b')).toThrow(XmlNameError);
      expect(new XmlElement('a', { b: '1' }).toString()).toBe('<a b="1"/>');
      expect(() => new XmlElement('a', { 'b c': '1' })).toThrow(XmlNameError);
      expect(new XmlElement('a', { b: '1' }).toString()).toBe('<a b="1"/>');
    });
  });

  describe('trees of any depth', () => {
    const DEPTH = 100_000;

    /** `depth` elements, each the only child of the one before, the innermost holding text. */
    function deepTree(depth: number): XmlElement {
      const root = new XmlElement('a', { n: '0' });
      let el = root;
      for (let i = 1; i < depth; i++) {
        const child = new XmlElement(i % 2 ? 'b' : 'a');
        el.append(child);
        el = child;
      }
      el.append('x < y');
      return root;
    }

    function expectedXml(depth: number): string {
      const names = Array.from({ length: depth }, (_, i) => (i % 2 ? 'b' : 'a'));
      return `<a n="0">${names.slice(1).map((n) => `<${n}>`).join('')}x &lt; y${names.reverse().map((n) => `</${n}>`).join('')}`;
    }

    it(`serializes a tree ${DEPTH} levels deep`, () => {
      expect(deepTree(DEPTH).toString()).toBe(expectedXml(DEPTH));
    });

    it(`copies a tree ${DEPTH} levels deep, linked to its copies`, () => {
      const original = deepTree(DEPTH);
      const copy = original.clone();
      expect(copy.toString()).toBe(expectedXml(DEPTH));
      let depth = 1;
      let linked = true;
      for (let el = copy; el.children[0] instanceof XmlElement; el = el.children[0]) {
        linked &&= el.children[0].parent === el;
        depth++;
      }
      expect(depth).toBe(DEPTH);
      expect(linked).toBe(true);
      copy.setAttrs({ n: '1' });
      expect(original.getAttribute('n')).toBe('0');
    });

    it('keeps the order of mixed children at every level', () => {
      const el = new XmlElement('r', {}, ['1', new XmlElement('a', {}, ['2', new XmlElement('b'), '3']), new XmlElement('c'), '4']);
      expect(el.toString()).toBe('<r>1<a>2<b/>3</a><c/>4</r>');
      expect(el.clone().toString()).toBe('<r>1<a>2<b/>3</a><c/>4</r>');
    });

    it(`refuses a cyclic tree, or one over ${MAX_TREE_DEPTH} levels, with a RangeError instead of running out of memory`, () => {
      const a = new XmlElement('a');
      a.append(new XmlElement('b', {}, [a]));
      expect(() => a.toString()).toThrow(RangeError);
      expect(() => a.clone()).toThrow(RangeError);
    });
  });
});
