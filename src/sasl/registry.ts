// The per-connection mechanism registry: registration, whitelist, priorities and deterministic selection.
import type { SASLMechanism, SASLMechanismClass, SaslContext } from './mechanism.js';

/** A whitelist entry: a registered mechanism's name, or a class/instance (registered and whitelisted). */
export type MechanismInput = string | SASLMechanismClass | SASLMechanism;

export interface RegistryOptions {
  mechanisms?: readonly MechanismInput[];
  mechanismPriorities?: Readonly<Record<string, number>>;
}

const instantiate = (m: SASLMechanismClass | SASLMechanism): SASLMechanism => (typeof m === 'function' ? new m() : m);

/** Mechanisms known to one connection. Nothing here is shared between connections. */
export class MechanismRegistry {
  readonly #byName = new Map<string, SASLMechanism>();
  readonly #whitelist: Set<string> | undefined;
  readonly #priorities: Record<string, number>;

  constructor(defaults: readonly SASLMechanismClass[], options: RegistryOptions = {}) {
    for (const cls of defaults) this.#add(instantiate(cls));
    this.#priorities = { ...options.mechanismPriorities };
    if (options.mechanisms) {
      this.#whitelist = new Set();
      for (const entry of options.mechanisms) {
        if (typeof entry === 'string') this.#whitelist.add(entry.toUpperCase());
        else this.#whitelist.add(this.#add(instantiate(entry)).name);
      }
    }
  }

  #add(mech: SASLMechanism): SASLMechanism {
    this.#byName.set(mech.name, mech);
    return mech;
  }

  /** Registers a mechanism (replacing one of the same name); with a whitelist in force it is whitelisted too. */
  register(mech: SASLMechanismClass | SASLMechanism): SASLMechanism {
    const m = this.#add(instantiate(mech));
    this.#whitelist?.add(m.name);
    return m;
  }

  /** Removes a mechanism by name; returns whether it was registered. */
  unregister(name: string): boolean {
    return this.#byName.delete(name);
  }

  get(name: string): SASLMechanism | undefined {
    return this.#byName.get(name);
  }

  /** The names of all registered mechanisms. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** The whitelist, when the application gave one. */
  allowed(): ReadonlySet<string> | undefined {
    return this.#whitelist;
  }

  /** Effective priority: `mechanismPriorities` override, else the mechanism's own. */
  priorityOf(mech: SASLMechanism): number {
    return this.#priorities[mech.name] ?? mech.priority;
  }

  /**
   * Candidates in the order to try them: offered ∩ whitelist ∩ `test(ctx)`, highest priority first, ties by
   * name. `-PLUS` variants are never chosen: no web carrier exposes TLS channel binding.
   */
  select(offered: readonly string[], ctx: SaslContext): SASLMechanism[] {
    const out: SASLMechanism[] = [];
    for (const name of new Set(offered)) {
      if (name.endsWith('-PLUS')) continue;
      if (this.#whitelist && !this.#whitelist.has(name)) continue;
      const mech = this.#byName.get(name);
      if (mech?.test(ctx)) out.push(mech);
    }
    return out.sort((a, b) => this.priorityOf(b) - this.priorityOf(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
