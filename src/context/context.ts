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

/** An immutable set of context values. */
export class Context {
  /** The empty root context. */
  static readonly ROOT: Context = new Context(undefined, undefined, undefined);

  readonly #parent: Context | undefined;
  readonly #key: symbol | undefined;
  readonly #value: unknown;

  private constructor(parent: Context | undefined, key: symbol | undefined, value: unknown) {
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
    let c = this.#parent;
    while (c !== undefined) {
      if (c.#key === key.symbol) return c.#value as T;
      c = c.#parent;
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
