// The stream root's namespace declarations, which each stanza inherits so that it stands alone (both backends).
import type { XmlElement } from './element.js';

/** Most namespace declarations a stream root may make (XMPP needs two or three); more is refused. */
export const MAX_ROOT_DECLARATIONS = 32;

/** The namespaces a stream root declares, by prefix ('' for the default namespace). */
export type RootDeclarations = ReadonlyMap<string, string>;

/** The namespace declarations among a stream root's attributes; undefined when there are too many. */
export function rootDeclarations(attrs: Record<string, string>): RootDeclarations | undefined {
  const decls = new Map<string, string>();
  for (const key in attrs) if (key === 'xmlns' || key.startsWith('xmlns:')) decls.set(key.slice(6), attrs[key] as string);
  return decls.size > MAX_ROOT_DECLARATIONS ? undefined : decls;
}

/**
 * Gives the stanza `el` the root declarations it lacks and needs: the default namespace, and the prefixes its
 * tree uses. Only those: copying every one would make each stanza cost as much as the root declares.
 */
export function inheritRootDeclarations(el: XmlElement, decls: RootDeclarations): void {
  if (decls.size === 0) return;
  const used = prefixesUsed(el);
  used.add(''); // unprefixed elements inherit the default namespace even when this one is prefixed
  for (const prefix of [...used].sort()) {
    const key = prefix ? `xmlns:${prefix}` : 'xmlns';
    const value = decls.get(prefix);
    if (value !== undefined && !Object.hasOwn(el.attrs, key)) el.attrs[key] = value;
  }
}

/** The prefixes of the element and attribute names in the tree of `el`. */
function prefixesUsed(el: XmlElement): Set<string> {
  const used = new Set<string>();
  const todo = [el];
  for (let next = todo.pop(); next; next = todo.pop()) {
    used.add(next.prefix);
    for (const key in next.attrs) if (key.indexOf(':') > 0) used.add(key.slice(0, key.indexOf(':')));
    for (const child of next.children) if (typeof child !== 'string') todo.push(child);
  }
  return used;
}
