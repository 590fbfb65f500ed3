// Random, valid XMPP-shaped XML from a seeded PRNG (names, prefixes, attributes, text with references,
// non-BMP characters, CDATA, nesting), and single faults to inject into it with the condition each must give.
import type { XmlErrorCondition } from '../../src/xml/parser.js';

type Random = () => number;

interface Element {
  name: string;
  attrs: string[]; // serialized, each with its leading whitespace
  children: (Element | string)[]; // strings are serialized content (text, references, CDATA)
  empty: 'short' | 'spaced' | 'pair';
  endSpace: string; // whitespace before the ">" of the end tag
  fault?: Fault;
}

export type Fault =
  | 'mismatched-end'
  | 'duplicate-attribute'
  | 'lt-in-attribute'
  | 'unquoted-attribute'
  | 'attribute-without-value'
  | 'unknown-entity'
  | 'bare-ampersand'
  | 'comment'
  | 'processing-instruction'
  | 'doctype'
  | 'undeclared-prefix'
  | 'control-character'
  | 'nul-reference'
  | 'invalid-name';

export const FAULTS: Record<Fault, XmlErrorCondition> = {
  'mismatched-end': 'bad-format',
  'duplicate-attribute': 'bad-format',
  'lt-in-attribute': 'bad-format',
  'unquoted-attribute': 'bad-format',
  'attribute-without-value': 'bad-format',
  'unknown-entity': 'restricted-xml',
  'bare-ampersand': 'bad-format',
  comment: 'restricted-xml',
  'processing-instruction': 'restricted-xml',
  doctype: 'restricted-xml',
  'undeclared-prefix': 'bad-format',
  'control-character': 'bad-format',
  'nul-reference': 'bad-format',
  'invalid-name': 'bad-format',
};

const NAMES = ['message', 'iq', 'presence', 'body', 'x', 'item', 'query', 'a', 'b-c', 'd.e', 'f_g', 'h1', 'é', 'ünï', '名前', 'x·y', 'Δ'];
const ATTR_NAMES = ['id', 'to', 'from', 'type', 'var', 'node', 'jid', 'ver', 'a-b', 'c.d', 'é', 'ключ'];
const PLAIN = [...'abcdefghijklmnopqrstuvwxyz ABCXYZ0123456789.,:;!?=+-_/@#%*()[{}|~`^$'];
const ENTITIES = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;'];
const SPACES = [' ', ' ', ' ', '\n', '\t', '  ', '\r\n', '\n  '];

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const chance = (random: Random, p: number): boolean => random() < p;

/** A code point XML allows, favouring the interesting ranges. */
function codePoint(random: Random): number {
  const r = random();
  if (r < 0.3) return 0x20 + Math.floor(random() * 0x5f);
  if (r < 0.5) return 0xa0 + Math.floor(random() * 0x700);
  if (r < 0.65) return 0x3000 + Math.floor(random() * 0x5000);
  if (r < 0.75) return 0xe000 + Math.floor(random() * 0x1ffe);
  if (r < 0.95) return 0x10000 + Math.floor(random() * 0xfffff);
  return pick(random, [9, 10, 13]);
}

/** Serialized character data: plain text, references, raw non-ASCII and line ends; never "<", a bare "&" or "]]>". */
function chars(random: Random, quote?: string): string {
  let out = '';
  const n = Math.floor(random() * 12);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.45) out += pick(random, PLAIN);
    else if (r < 0.55) out += pick(random, ENTITIES);
    else if (r < 0.65) {
      const cp = codePoint(random);
      out += chance(random, 0.5) ? `&#${cp};` : `&#x${cp.toString(16)};`;
    } else if (r < 0.85) {
      const c = String.fromCodePoint(codePoint(random));
      if (c !== '<' && c !== '&' && c !== ']' && c !== quote) out += c;
    } else if (r < 0.92) out += pick(random, ['>', '"', "'", "'"]).replace(quote ?? '', '');
    else out += pick(random, ['\n', '\r\n', '\r', '\t', '  ']);
  }
  return out;
}

function cdata(random: Random): string {
  const content = (chars(random) + pick(random, ['<b>', '&amp;', ']]', ']>', ']', '']) + chars(random)).replace(/]]>/g, ']] >');
  return `<![CDATA[${content}]]>`;
}

function attribute(random: Random, name: string): string {
  const quote = chance(random, 0.5) ? "'" : '"';
  const eq = pick(random, ['=', '=', '=', ' = ', '\n=\t']);
  return `${pick(random, SPACES)}${name}${eq}${quote}${chars(random, quote)}${quote}`;
}

function element(random: Random, depth: number, prefixes: string[], top: boolean): Element {
  const attrs: string[] = [];
  const scope = [...prefixes];
  if (chance(random, 0.2)) {
    const p = `p${Math.floor(random() * 3)}`;
    attrs.push(`${pick(random, SPACES)}xmlns:${p}='urn:example:${p}'`);
    scope.push(p);
  }
  if (chance(random, 0.3)) attrs.push(`${pick(random, SPACES)}xmlns='urn:example:${Math.floor(random() * 5)}'`);
  let name = top ? pick(random, ['message', 'iq', 'presence', ...NAMES]) : pick(random, NAMES);
  if (scope.length > 0 && chance(random, 0.3)) name = `${pick(random, scope)}:${name}`;
  const used = new Set<string>();
  const count = Math.floor(random() * 5);
  for (let i = 0; i < count; i++) {
    let key = pick(random, ATTR_NAMES);
    if (scope.length > 0 && chance(random, 0.2)) key = `${pick(random, scope)}:${key}`;
    else if (chance(random, 0.1)) key = 'xml:lang';
    if (used.has(key)) continue;
    used.add(key);
    attrs.push(attribute(random, key));
  }
  const children: (Element | string)[] = [];
  const kids = depth > 4 ? 0 : Math.floor(random() * (depth === 0 ? 6 : 4));
  for (let i = 0; i < kids; i++) {
    const r = random();
    if (r < 0.4) children.push(element(random, depth + 1, scope, false));
    else if (r < 0.85) children.push(chance(random, 0.2) ? pick(random, SPACES) : chars(random));
    else children.push(cdata(random));
  }
  return { name, attrs, children, empty: pick(random, ['short', 'spaced', 'pair'] as const), endSpace: pick(random, ['', '', ' ', '\n']) };
}

function all(el: Element): Element[] {
  return [el, ...el.children.flatMap((c) => (typeof c === 'string' ? [] : all(c)))];
}

function serialize(el: Element): string {
  const attrs = [...el.attrs];
  const content = el.children.map((c) => (typeof c === 'string' ? c : serialize(c)));
  let end = el.name;
  switch (el.fault) {
    case 'mismatched-end':
      end = `${el.name}z`;
      break;
    case 'duplicate-attribute':
      attrs.push(" dup='1'", ' dup="2"');
      break;
    case 'lt-in-attribute':
      attrs.push(" bad='a<b'");
      break;
    case 'unquoted-attribute':
      attrs.push(' bad=1');
      break;
    case 'attribute-without-value':
      attrs.push(' bad', " ok='1'");
      break;
    case 'unknown-entity':
      content.push('&bogus;');
      break;
    case 'bare-ampersand':
      content.push('fish & chips');
      break;
    case 'comment':
      content.push('<!-- note -->');
      break;
    case 'processing-instruction':
      content.push('<?target data?>');
      break;
    case 'doctype':
      content.push('<!DOCTYPE x>');
      break;
    case 'undeclared-prefix':
      content.push('<undeclared:x/>');
      break;
    case 'control-character':
      content.push('a\u0001b');
      break;
    case 'nul-reference':
      content.push('&#0;');
      break;
    case 'invalid-name':
      content.push('<1x/>');
      break;
  }
  const open = `<${el.name}${attrs.join('')}`;
  if (content.length === 0 && !el.fault) {
    if (el.empty === 'short') return `${open}/>`;
    if (el.empty === 'spaced') return `${open} />`;
  }
  return `${open}>${content.join('')}</${end}${el.endSpace}>`;
}

/** A random valid top-level element (in fragment mode: a frame; in stream mode: a stanza). */
export function randomStanza(random: Random, prefixes: string[] = []): string {
  return serialize(element(random, 0, prefixes, true));
}

/** A random element with one fault injected into one of its elements. */
export function faultyStanza(random: Random, fault: Fault): string {
  const root = element(random, 0, [], true);
  const target = pick(random, all(root));
  target.fault = fault;
  return serialize(root);
}

/** Random whitespace keepalives. */
export function keepalive(random: Random): string {
  return chance(random, 0.5) ? '' : pick(random, SPACES);
}
