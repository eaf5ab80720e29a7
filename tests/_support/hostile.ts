/**
 * Hostile values for the never-throw tests: each throws when it is read, converted to a string,
 * or inspected; with the wrong types a caller may pass instead of a string, and an error whose
 * message throws.
 *
 * @module
 */

/** The hostile values, typed `never` so they can be passed where any type is expected. */
export interface HostileValues {
  /** A revoked proxy: every operation on it throws. */
  readonly revoked: never;
  /** An object without a prototype: `String()` throws. */
  readonly noPrototype: never;
  /** An object whose `toString` throws. */
  readonly throwingToString: never;
  /** A proxy whose `ownKeys` trap throws (`for…in`, `Object.keys`). */
  readonly throwingKeys: never;
}

/**
 * Fresh hostile values.
 *
 * @returns One of each.
 */
export function hostile(): HostileValues {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  return {
    revoked: revoked as never,
    noPrototype: Object.create(null) as never,
    throwingToString: {
      toString: () => {
        throw new Error("toString");
      },
    } as never,
    throwingKeys: new Proxy({}, {
      ownKeys: () => {
        throw new Error("ownKeys");
      },
    }) as never,
  };
}

/**
 * Each hostile value, and the wrong types a caller may pass instead of a string: a symbol, a
 * number and `null`.
 *
 * @returns Fresh values, in that order.
 */
export function unprintables(): unknown[] {
  return [...Object.values(hostile()), Symbol("s"), 42, null];
}

/**
 * Makes reading `error.message` throw.
 *
 * @param error A fresh error.
 * @returns The same error.
 */
export function withThrowingMessage<E extends Error>(error: E): E {
  return Object.defineProperty(error, "message", {
    get() {
      throw new Error("getter");
    },
  });
}
