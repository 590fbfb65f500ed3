// XmlElement: a small DOM-free element tree used for every stanza, in pages, workers and Node alike.
import { assertXmlChars, assertXmlName, escapeAttr, escapeText } from './escape.js';

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

  /**
   * @throws {XmlNameError} when `name` or an attribute name is not an XML name.
   * @throws {XmlCharacterError} when an attribute value or a text child holds a character XML cannot carry.
   */
  constructor(name: string, attrs?: AttrInput, children?: XmlNode[]) {
    this.name = assertXmlName(name);
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

  /**
   * Sets (or with `undefined`/`null` removes) attributes.
   * @throws {XmlNameError} when a name to set is not an XML name.
   * @throws {XmlCharacterError} when a value holds a character XML cannot carry.
   */
  setAttrs(attrs: AttrInput): this {
    for (const key in attrs) {
      const v = attrs[key];
      if (v === undefined || v === null) delete this.attrs[key];
      else if (key === '__proto__') {
        // a valid name; a plain assignment would set the prototype instead of an attribute
        Object.defineProperty(this.attrs, key, { value: assertXmlChars(String(v)), enumerable: true, writable: true, configurable: true });
      } else this.attrs[assertXmlName(key)] = assertXmlChars(String(v));
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
    // an empty string adds nothing XML could carry: `<a></a>` reads back as `<a/>`
    if (typeof child !== 'string') {
      child.parent = this;
      this.children.push(child);
    } else if (child !== '') this.children.push(assertXmlChars(child));
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

  /**
   * Deep copy, detached from any parent.
   * @throws {RangeError} when the tree is more than {@link MAX_TREE_DEPTH} levels deep (as a cyclic one is).
   */
  clone(): XmlElement {
    const root = shallowCopy(this);
    // iterative, so that no tree is too deep to copy: the elements being copied wait on a stack with their
    // copies and the index of their next child
    let stack: (XmlElement | number)[] | undefined;
    let original: XmlElement = this;
    let copy = root;
    let next = 0;
    for (;;) {
      const children = original.children;
      if (next < children.length) {
        const c = children[next++] as XmlNode;
        if (typeof c === 'string') copy.children.push(assertXmlChars(c));
        else {
          const child = shallowCopy(c);
          child.parent = copy;
          copy.children.push(child);
          if (c.children.length > 0) {
            stack ??= [];
            if (stack.length >= 3 * MAX_TREE_DEPTH) throw tooDeep();
            stack.push(original, copy, next);
            original = c;
            copy = child;
            next = 0;
          }
        }
        continue;
      }
      if (stack === undefined || stack.length === 0) return root;
      next = stack.pop() as number;
      copy = stack.pop() as XmlElement;
      original = stack.pop() as XmlElement;
    }
  }

  /**
   * Serializes with correct escaping.
   * @throws {RangeError} when the tree is more than {@link MAX_TREE_DEPTH} levels deep (as a cyclic one is).
   */
  toString(): string {
    let out = '';
    // iterative, so that no tree is too deep to serialize: the open ancestors wait on a stack with the index
    // of their next child
    let stack: (XmlElement | number)[] | undefined;
    let el: XmlElement = this;
    let next = -1; // -1: the start tag of `el` comes next
    for (;;) {
      if (next < 0) {
        out += `<${el.name}`;
        const attrs = el.attrs;
        for (const key in attrs) out += ` ${key}="${escapeAttr(attrs[key] as string)}"`;
        out += el.children.length === 0 ? '/>' : '>';
        next = 0;
      }
      const children = el.children;
      if (next < children.length) {
        const c = children[next++] as XmlNode;
        if (typeof c === 'string') out += escapeText(c);
        else {
          stack ??= [];
          if (stack.length >= 2 * MAX_TREE_DEPTH) throw tooDeep();
          stack.push(el, next);
          el = c;
          next = -1;
        }
        continue;
      }
      if (children.length > 0) out += `</${el.name}>`;
      if (stack === undefined || stack.length === 0) return out;
      next = stack.pop() as number;
      el = stack.pop() as XmlElement;
    }
  }
}

/**
 * The deepest tree {@link XmlElement.toString} and {@link XmlElement.clone} take: far beyond any parser limit, and
 * a bound that turns a cyclic tree into an error instead of a loop that runs out of memory.
 */
export const MAX_TREE_DEPTH = 1_000_000;

const tooDeep = (): RangeError => new RangeError(`element tree deeper than ${MAX_TREE_DEPTH} levels, or cyclic`);

/** A detached copy with the same name and attributes and no children. */
function shallowCopy(el: XmlElement): XmlElement {
  const copy = new XmlElement(el.name);
  copy.attrs = { ...el.attrs };
  return copy;
}
