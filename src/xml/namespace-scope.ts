// The namespace prefixes declared by the elements a parser has open, shared by both backends. Declarations are
// counted as elements open and close, so checking a prefix costs the same however deep the element is.

/** The namespace prefixes in scope: those the open elements declare (with `xmlns:p` attributes). */
export class PrefixScope {
  /** How many open elements declare each prefix. */
  readonly #count = new Map<string, number>();
  /** Every declaration in scope, in document order, and the depth of the element that made it. */
  readonly #prefixes: string[] = [];
  readonly #depths: number[] = [];

  /** True when an open element declares `prefix`. */
  has(prefix: string): boolean {
    return this.#count.has(prefix);
  }

  /** Records that the element at `depth` (1 for the outermost) declares `prefix`. */
  declare(prefix: string, depth: number): void {
    this.#count.set(prefix, (this.#count.get(prefix) ?? 0) + 1);
    this.#prefixes.push(prefix);
    this.#depths.push(depth);
  }

  /** Drops the declarations of the elements at `depth` and deeper: they have closed. */
  leave(depth: number): void {
    const depths = this.#depths;
    while (depths.length > 0 && (depths[depths.length - 1] as number) >= depth) {
      depths.pop();
      const prefix = this.#prefixes.pop() as string;
      const count = (this.#count.get(prefix) as number) - 1;
      // forgotten at 0: a long stream declaring ever new prefixes must not grow the map
      if (count > 0) this.#count.set(prefix, count);
      else this.#count.delete(prefix);
    }
  }

  /** Drops every declaration. */
  clear(): void {
    // only when needed: clearing a Map allocates a new table, and the sax-wasm backend clears once per stanza
    if (this.#count.size > 0) this.#count.clear();
    this.#prefixes.length = 0;
    this.#depths.length = 0;
  }
}
