// XmlElement: a small DOM-free element tree used for every stanza, in pages, workers and Node alike.
import { assertXmlChars, escapeAttr, escapeText } from './escape.js';

/** Attribute values as given to builders: `undefined`/`null` attributes are skipped. */
export type AttrInput = Record<string, string | number | boolean | undefined | null>;

/** A child node: an element or a text string. */
export type XmlNode = XmlElement | string;

/**
 * A lightweight XML element: qualified `name`, `attrs` (namespace declarations included, as in the source),
 * `children` (elements and strings). Works without a DOM.
 */
export class XmlElement {
  /** Qualified name as written, e.g. `message` or `stream:features`. */
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  /** The element this one is a child of, if any. */
  parent: XmlElement | undefined;

  constructor(name: string, attrs?: AttrInput, children?: XmlNode[]) {
    this.name = name;
    this.attrs = {};
    this.children = [];
    this.parent = undefined;
    if (attrs) this.setAttrs(attrs);
    if (children) for (const c of children) this.append(c);
  }

  /** Local part of the name (without prefix). */
  get localName(): string {
    const i = this.name.indexOf(':');
    return i < 0 ? this.name : this.name.slice(i + 1);
  }

  /** Prefix of the name, or `''`. */
  get prefix(): string {
    const i = this.name.indexOf(':');
    return i < 0 ? '' : this.name.slice(0, i);
  }

  /** The attribute's value, or `undefined` when the element has no such attribute. */
  getAttribute(name: string): string | undefined {
    // own properties only: getAttribute('constructor') must not return Object.prototype.constructor
    return Object.hasOwn(this.attrs, name) ? this.attrs[name] : undefined;
  }

  /** Sets (or with `undefined`/`null` removes) attributes; values are checked for characters XML cannot carry. */
  setAttrs(attrs: AttrInput): this {
    for (const key in attrs) {
      const v = attrs[key];
      if (v === undefined || v === null) delete this.attrs[key];
      else if (key === '__proto__') {
        // a plain assignment would set the prototype instead of an attribute
        Object.defineProperty(this.attrs, key, { value: assertXmlChars(String(v)), enumerable: true, writable: true, configurable: true });
      } else this.attrs[key] = assertXmlChars(String(v));
    }
    return this;
  }

  /** Namespace URI of this element, resolved through its ancestors. */
  getNS(): string | undefined {
    const prefix = this.prefix;
    return this.resolvePrefix(prefix);
  }

  /** Resolves a prefix (`''` for the default namespace) through this element and its ancestors. */
  resolvePrefix(prefix: string): string | undefined {
    const key = prefix ? `xmlns:${prefix}` : 'xmlns';
    for (let el: XmlElement | undefined = this; el; el = el.parent) {
      const ns = el.attrs[key];
      if (ns !== undefined) return ns;
    }
    if (prefix === 'xml') return 'http://www.w3.org/XML/1998/namespace';
    return undefined;
  }

  /** True when the local name is `name` and, if given, the namespace is `xmlns`. */
  is(name: string, xmlns?: string): boolean {
    return this.localName === name && (xmlns === undefined || this.getNS() === xmlns);
  }

  /** First child element with this local name (and namespace, if given). */
  getChild(name: string, xmlns?: string): XmlElement | undefined {
    for (const c of this.children) if (typeof c !== 'string' && c.is(name, xmlns)) return c;
    return undefined;
  }

  /** Child elements, all or those with this local name (and namespace, if given). */
  getChildren(name?: string, xmlns?: string): XmlElement[] {
    const out: XmlElement[] = [];
    for (const c of this.children) {
      if (typeof c !== 'string' && (name === undefined || c.is(name, xmlns))) out.push(c);
    }
    return out;
  }

  /** First child element whose namespace is `xmlns`, whatever its name. */
  getChildByNS(xmlns: string): XmlElement | undefined {
    for (const c of this.children) if (typeof c !== 'string' && c.getNS() === xmlns) return c;
    return undefined;
  }

  /** Text of the first matching child, or `undefined` when there is no such child. */
  getChildText(name: string, xmlns?: string): string | undefined {
    return this.getChild(name, xmlns)?.text();
  }

  /** Concatenated text of the direct text children. */
  text(): string {
    let out = '';
    for (const c of this.children) if (typeof c === 'string') out += c;
    return out;
  }

  /** Appends a child element or text and returns this element. */
  append(child: XmlNode): this {
    if (typeof child === 'string') this.children.push(assertXmlChars(child));
    else {
      child.parent = this;
      this.children.push(child);
    }
    return this;
  }

  /** Removes a child element; returns true when it was present. */
  remove(child: XmlElement): boolean {
    const i = this.children.indexOf(child);
    if (i < 0) return false;
    this.children.splice(i, 1);
    child.parent = undefined;
    return true;
  }

  /** Deep copy, detached from any parent. */
  clone(): XmlElement {
    const copy = new XmlElement(this.name);
    copy.attrs = { ...this.attrs };
    for (const c of this.children) copy.append(typeof c === 'string' ? c : c.clone());
    return copy;
  }

  /** Serializes with correct escaping. */
  toString(): string {
    let out = `<${this.name}`;
    for (const key in this.attrs) out += ` ${key}="${escapeAttr(this.attrs[key] as string)}"`;
    if (this.children.length === 0) return `${out}/>`;
    out += '>';
    for (const c of this.children) out += typeof c === 'string' ? escapeText(c) : c.toString();
    return `${out}</${this.name}>`;
  }
}
