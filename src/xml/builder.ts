// Strophe-style builders ($build, $msg, $iq, $pres) over XmlElement.
import { type AttrInput, XmlElement } from './element.js';

/** Something that can be sent: an element or a builder. */
export type Buildable = XmlElement | Builder;

/** Chainable element builder with a cursor, as in Strophe: `$msg({to}).c('body').t('hi').up()`. */
export class Builder {
  private readonly root: XmlElement;
  private node: XmlElement;

  constructor(name: string, attrs?: AttrInput) {
    this.root = new XmlElement(name, attrs);
    this.node = this.root;
  }

  /** Adds a child element (optionally with text) and moves the cursor into it. */
  c(name: string, attrs?: AttrInput, text?: string): this {
    const child = new XmlElement(name, attrs);
    if (text !== undefined) child.append(text);
    this.node.append(child);
    this.node = child;
    return this;
  }

  /** Appends text to the current element; the cursor stays. */
  t(text: string): this {
    this.node.append(text);
    return this;
  }

  /** Moves the cursor to the parent element. */
  up(): this {
    if (this.node.parent) this.node = this.node.parent;
    return this;
  }

  /** Sets attributes on the current element (`undefined`/`null` removes). */
  attrs(attrs: AttrInput): this {
    this.node.setAttrs(attrs);
    return this;
  }

  /** Appends a copy of an existing element (or builder tree) and moves the cursor into it. */
  cnode(element: Buildable): this {
    const child = (element instanceof Builder ? element.tree() : element).clone();
    this.node.append(child);
    this.node = child;
    return this;
  }

  /** The root element. */
  tree(): XmlElement {
    return this.root;
  }

  toString(): string {
    return this.root.toString();
  }
}

/** Generic builder for an element. */
export const $build = (name: string, attrs?: AttrInput): Builder => new Builder(name, attrs);
/** `<message xmlns="jabber:client">` builder. */
export const $msg = (attrs?: AttrInput): Builder => new Builder('message', { xmlns: 'jabber:client', ...attrs });
/** `<iq xmlns="jabber:client">` builder. */
export const $iq = (attrs?: AttrInput): Builder => new Builder('iq', { xmlns: 'jabber:client', ...attrs });
/** `<presence xmlns="jabber:client">` builder. */
export const $pres = (attrs?: AttrInput): Builder => new Builder('presence', { xmlns: 'jabber:client', ...attrs });

/** Unwraps a builder to its root element. */
export function toElement(x: Buildable): XmlElement {
  return x instanceof Builder ? x.tree() : x;
}
