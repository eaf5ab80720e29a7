/**
 * An immutable context: a persistent linked list of key/value frames. Setting a key returns a
 * new context and never changes the old one, so a context captured by async work stays valid.
 *
 * @module
 */

/** A typed key for a value stored in a {@linkcode Context}. */
export interface ContextKey<T> {
  /** The unique symbol behind the key. */
  readonly symbol: symbol;
  /** Phantom field carrying the value type. */
  readonly __type?: T;
}

/**
 * Creates a context key.
 *
 * @param description Shown in debugging output.
 * @returns A new unique key.
 */
export function createContextKey<T>(description: string): ContextKey<T> {
  return { symbol: Symbol(description) };
}

/**
 * Creates a context key shared by every copy of tracelet loaded in the process (its symbol is
 * `Symbol.for(name)`), so a value one copy sets is seen by the others, whose context manager it
 * already shares. Only for values every copy can read without calling into the copy that made
 * them (plain data, not objects with private fields): readers of another copy must treat the
 * value as untrusted input. Put a format tag in `name` (`.v1`) and change it when the shape
 * changes, so copies that disagree on the shape do not see each other's values.
 *
 * @param name The global symbol's name, e.g. `tracelet.context.span.v1`.
 * @returns The shared key.
 * @internal
 */
export function sharedContextKey<T>(name: string): ContextKey<T> {
  return { symbol: Symbol.for(name) };
}

/** An immutable set of context values. */
export class Context {
  /** The empty root context. */
  static readonly ROOT: Context = new Context();

  readonly #parent: Context | undefined;
  readonly #key: symbol | undefined;
  readonly #value: unknown;

  private constructor(parent?: Context, key?: symbol, value?: unknown) {
    this.#parent = parent;
    this.#key = key;
    this.#value = value;
  }

  /**
   * Reads a value.
   *
   * @param key The key.
   * @returns The innermost value set for the key, or undefined.
   */
  get<T>(key: ContextKey<T>): T | undefined {
    if (this.#key === key.symbol) return this.#value as T;
    for (let c = this.#parent; c !== undefined; c = c.#parent) {
      if (c.#key === key.symbol) return c.#value as T;
    }
    return undefined;
  }

  /**
   * Returns a new context with one value set.
   *
   * @param key The key.
   * @param value The value (undefined hides an outer value).
   * @returns The new context.
   */
  set<T>(key: ContextKey<T>, value: T | undefined): Context {
    return new Context(this, key.symbol, value);
  }
}
