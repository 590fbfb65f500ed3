// Shared helpers for the XML tests: an event recorder, element signatures, chunking, a seeded PRNG and an
// independent reference parse (saxes) to check the expectations themselves.
import { SaxesParser } from 'saxes';
import { XmlElement } from '../../src/xml/element.js';
import type { XmlParseError, XmlParser, XmlParserFactory, XmlParserOptions } from '../../src/xml/parser.js';

export type Event =
  | { type: 'start'; name: string; attrs: Record<string, string> }
  | { type: 'element'; element: XmlElement }
  | { type: 'end' }
  | { type: 'error'; error: XmlParseError };

export interface Recorder {
  parser: XmlParser;
  events: Event[];
}

/** A parser whose events are recorded in order. */
export function record(factory: XmlParserFactory, options?: XmlParserOptions): Recorder {
  const events: Event[] = [];
  const parser = factory(
    {
      onStreamStart: (name, attrs) => events.push({ type: 'start', name, attrs }),
      onElement: (element) => events.push({ type: 'element', element }),
      onStreamEnd: () => events.push({ type: 'end' }),
      onError: (error) => events.push({ type: 'error', error }),
    },
    options,
  );
  return { parser, events };
}

/** `getNS()` of every element, depth first (without recursion: parsed trees may be thousands of levels deep). */
export function namespaces(el: XmlElement): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  const pending = [el];
  for (let e = pending.pop(); e !== undefined; e = pending.pop()) {
    out.push(e.getNS());
    for (let i = e.children.length - 1; i >= 0; i--) {
      const c = e.children[i];
      if (typeof c !== 'string' && c !== undefined) pending.push(c);
    }
  }
  return out;
}

/** Everything observable about a tree: exact children (text segmentation included), attributes, namespaces. */
export function shape(node: XmlElement | string): unknown {
  if (typeof node === 'string') return node;
  return [node.name, Object.entries(node.attrs), node.getNS(), node.children.map(shape)];
}

/** A readable, comparable form of recorded events. */
export function summarize(events: Event[], detail = false): string[] {
  return events.map((e) => {
    if (e.type === 'start') return `start ${e.name} ${JSON.stringify(Object.entries(e.attrs))}`;
    if (e.type === 'end') return 'end';
    if (e.type === 'error') return `error ${e.error.condition}`;
    const ns = JSON.stringify(namespaces(e.element));
    return detail ? `element ${JSON.stringify(shape(e.element))}` : `element ${e.element.toString()} ${ns}`;
  });
}

/** Writes `input` cut at the given offsets (strings by UTF-16 unit, bytes by byte). */
export function feed(parser: XmlParser, input: string | Uint8Array, cuts: number[]): void {
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    if (cut > from || (cut === input.length && from === 0)) parser.write(input.slice(from, cut));
    from = Math.max(from, cut);
  }
}

/** A small, seedable PRNG (mulberry32), so a failing case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` sorted random cut points in `[1, length)`. */
export function randomCuts(random: () => number, length: number, count: number): number[] {
  const cuts = new Set<number>();
  for (let i = 0; i < count && length > 1; i++) cuts.add(1 + Math.floor(random() * (length - 1)));
  return [...cuts].sort((a, b) => a - b);
}

/**
 * Inserts `decls` that the first tag of `xml` lacks, at the end of its attributes (as stream parsing does):
 * the default namespace, and the prefixes that some element or attribute name uses.
 */
export function withRootDecls(expected: string, decls: [string, string][]): string {
  const gt = expected.indexOf('>');
  const end = expected[gt - 1] === '/' ? gt - 1 : gt;
  const tag = expected.slice(0, end);
  const extra = decls
    .filter(([k]) => !tag.includes(` ${k}="`) && (k === 'xmlns' || new RegExp(`[<\\s/]${k.slice(6)}:`).test(expected)))
    .map(([k, v]) => ` ${k}="${v}"`)
    .join('');
  return tag + extra + expected.slice(end);
}

/** Inserts `decls` that the first tag lacks right after its name (as a WebSocket server frames a stanza). */
export function asFrame(xml: string, decls: [string, string][], quote = "'"): string {
  const nameEnd = xml.search(/[\s/>]/);
  const head = xml.slice(0, xml.indexOf('>'));
  const extra = decls
    .filter(([k]) => !new RegExp(`\\s${k}=`).test(head))
    .map(([k, v]) => ` ${k}=${quote}${v}${quote}`)
    .join('');
  return xml.slice(0, nameEnd) + extra + xml.slice(nameEnd);
}

/** The prefixes of the element and attribute names in the tree of `el`, found recursively. */
function prefixesIn(el: XmlElement, into = new Set<string>()): Set<string> {
  for (const name of [el.name, ...Object.keys(el.attrs)]) if (name.includes(':')) into.add(name.split(':')[0] as string);
  for (const child of el.children) if (typeof child !== 'string') prefixesIn(child, into);
  return into;
}

/**
 * Parses a whole stream (or, with `fragment`, a sequence of elements) with saxes, an independent parser,
 * into XmlElements shaped as ours: stanzas inherit the root's namespace declarations they use.
 */
export function referenceParse(xml: string, fragment = false): XmlElement[] {
  const parser = new SaxesParser({ xmlns: true });
  const out: XmlElement[] = [];
  const stack: XmlElement[] = [];
  let rootDecls: [string, string][] = [];
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', (tag) => {
    const el = new XmlElement(tag.name);
    for (const a of Object.values(tag.attributes)) el.attrs[a.name] = a.value;
    const parent = stack[stack.length - 1];
    if (parent && stack.length > 1) {
      el.parent = parent;
      parent.children.push(el);
    }
    // the stream root's declarations (none for the wrapper around fragments)
    if (stack.length === 0) rootDecls = Object.entries(el.attrs).filter(([k]) => k === 'xmlns' || k.startsWith('xmlns:'));
    stack.push(el);
  });
  const text = (t: string) => {
    const top = stack[stack.length - 1];
    if (top && stack.length > 1) top.children.push(t);
  };
  parser.on('text', text);
  parser.on('cdata', text);
  parser.on('closetag', () => {
    const el = stack.pop() as XmlElement;
    if (stack.length === 1) {
      el.parent = undefined;
      const used = prefixesIn(el);
      for (const [k, v] of rootDecls) if (!Object.hasOwn(el.attrs, k) && (k === 'xmlns' || used.has(k.slice(6)))) el.attrs[k] = v;
      out.push(el);
    }
  });
  parser.write(fragment ? `<wrapper>${xml}</wrapper>` : xml).close();
  if (error) throw error;
  return out;
}
