/**
 * The runtime's own synchronous SHA-1, when a preset supplies one: the Node, Deno and Bun presets
 * register `node:crypto`'s `createHash` at import (about ten times the speed of the portable
 * JavaScript SHA-1 on large inputs). Without one (browsers, Workers) the portable implementation
 * hashes everything; with one, both give the same digest, byte for byte. The core imports no
 * `node:` module: the preset passes the function in.
 *
 * @internal
 * @module
 */

/** The part of `node:crypto`'s `createHash` used here. */
export type CreateHash = (algorithm: "sha1") => {
  update(data: Uint8Array): { digest(): Uint8Array };
};

/**
 * Inputs shorter than this many bytes are hashed by the portable SHA-1 even when the runtime's
 * is registered: a `createHash` call costs about a microsecond of setup, which the portable
 * implementation does not pay, and ids, schema hashes and small objects are short.
 */
export const NATIVE_SHA1_MIN_BYTES = 256;

/** SHA-1 of "abc" (FIPS 180-4 example), checked once before a runtime's SHA-1 is trusted. */
const ABC_SHA1 = "a9993e364706816aba3e25717850c26c9cd0d89d";

let nativeSha1: ((bytes: Uint8Array) => Uint8Array) | undefined;

/**
 * Registers the runtime's synchronous `createHash` for large SHA-1 inputs, in place of any
 * registered before. A function that throws, or does not give the FIPS 180-4 digest of `"abc"`,
 * is not registered (the hash in use stays in use). Never throws.
 *
 * @param createHash `createHash` from `node:crypto`.
 * @returns Whether it was registered.
 */
export function registerCreateHash(createHash: CreateHash): boolean {
  try {
    const digest = createHash("sha1").update(Uint8Array.of(0x61, 0x62, 0x63)).digest();
    let hex = "";
    for (let i = 0; i < digest.length; i++) hex += digest[i].toString(16).padStart(2, "0");
    if (hex !== ABC_SHA1) return false;
    nativeSha1 = (bytes) => createHash("sha1").update(bytes).digest();
    return true;
  } catch {
    return false;
  }
}

/**
 * The 20-byte SHA-1 of `bytes` from the registered runtime hash, or `undefined` when none is
 * registered, the input is shorter than {@linkcode NATIVE_SHA1_MIN_BYTES}, or it failed (the
 * caller then hashes with the portable SHA-1). Never throws.
 *
 * @param bytes The bytes to hash.
 * @returns The digest, or undefined.
 */
export function nativeSha1Digest(bytes: Uint8Array): Uint8Array | undefined {
  if (nativeSha1 === undefined || bytes.length < NATIVE_SHA1_MIN_BYTES) return undefined;
  try {
    const digest = nativeSha1(bytes);
    return digest.length === 20 ? digest : undefined;
  } catch {
    return undefined;
  }
}
