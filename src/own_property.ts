/**
 * Writing data under keys that come from outside (attributes, logged objects, parsed JSON).
 *
 * @module
 */

/**
 * Sets `key` on `target` as an own, enumerable data property, also when the key is `__proto__`:
 * plain assignment would call the prototype setter instead (dropping a primitive value, or
 * replacing the object's prototype with an object value, whose enumerable properties then leak
 * into every `for…in`). Keys of that name arrive from `JSON.parse`d data.
 *
 * @param target The object to write.
 * @param key The key.
 * @param value The value.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else target[key] = value;
}
