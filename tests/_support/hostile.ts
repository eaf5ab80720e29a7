/**
 * Hostile values for the never-throw tests: each throws when it is read, converted to a string,
 * or inspected.
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
