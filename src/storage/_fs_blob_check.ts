/**
 * Whether a blob file counts as stored, for the fs adapters' write-once blobs. A symbolic link at
 * the blob's path is refused (it may point outside the root). A content-addressed blob
 * (`sha256:<hex>`) must hold the content its key names: a file left empty or cut short by a power
 * loss (blobs are not flushed to the disk unless the storage is `durable`) is not stored, so a put
 * writes it again. Its SHA-256 is checked once per storage object (the result is remembered by
 * size), up to {@linkcode VERIFIED_MAX_BYTES}; a larger file is checked by its size, against the
 * bytes given to a put, and is otherwise taken as stored unless empty.
 *
 * @module
 */

import { factsIfExists, type FileSystem, symlinkRefused } from "./_fs.ts";

/** Files up to this size are hashed to check them; larger ones only by their size. */
export const VERIFIED_MAX_BYTES: number = 64 * 1024 * 1024;

/** Blob files remembered as checked, per storage object (then the memory starts over). */
const MAX_REMEMBERED = 4096;

const SHA256_KEY = /^sha256:([0-9a-f]{64})$/;

/** The SHA-256 of no bytes. */
const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/**
 * Whether a blob read back as `size` bytes is a content-addressed one left empty (by a power loss
 * before its data reached the disk): its `sha256:` key names content that is not empty.
 *
 * @param key The blob key.
 * @param size The bytes read.
 * @returns True when the file is empty but its key names non-empty content.
 */
export function leftEmpty(key: string, size: number): boolean {
  const match = size === 0 ? SHA256_KEY.exec(key) : null;
  return match !== null && match[1] !== EMPTY_SHA256;
}

/** Checks blob files of one storage object, remembering those known good. */
export class BlobCheck {
  readonly #fs: FileSystem;
  /** The size of each file known to hold its key's content, by path. */
  readonly #good = new Map<string, number>();

  /**
   * Creates the checker.
   *
   * @param fs The file system.
   */
  constructor(fs: FileSystem) {
    this.#fs = fs;
  }

  /**
   * Tells whether a blob is stored at `file`.
   *
   * @param file The blob's absolute path.
   * @param key The blob key (`sha256:<hex>` is checked against the content).
   * @param expectedSize The size of the bytes a put brings, when known.
   * @param action What a symbolic link at `file` refuses: `read` (the default) or `write`.
   * @returns True when stored.
   * @throws {Error} `storage_symlink_refused` when the path is a symbolic link; the file system's
   *   error when it cannot be read.
   */
  async stored(
    file: string,
    key: string,
    expectedSize?: number,
    action: "read" | "write" = "read",
  ): Promise<boolean> {
    const facts = await factsIfExists(this.#fs, file);
    if (facts === undefined) {
      this.#good.delete(file);
      return false;
    }
    if (facts.isSymlink) throw symlinkRefused(file, undefined, action);
    const hex = SHA256_KEY.exec(key)?.[1];
    if (hex === undefined || !facts.isFile || Number.isNaN(facts.size)) return true;
    if (this.#good.get(file) === facts.size) return true;
    if (facts.size === 0) return hex === EMPTY_SHA256;
    if (facts.size > VERIFIED_MAX_BYTES) {
      return expectedSize === undefined || facts.size === expectedSize;
    }
    const bytes = await this.#fs.readFile(file);
    const good = bytes.byteLength === facts.size && await sha256Hex(bytes) === hex;
    if (good) this.written(file, facts.size);
    return good;
  }

  /**
   * Remembers a blob file this storage object has just written.
   *
   * @param file The blob's absolute path.
   * @param size Its size in bytes.
   */
  written(file: string, size: number): void {
    if (this.#good.size >= MAX_REMEMBERED) this.#good.clear();
    this.#good.set(file, size);
  }
}

/** The lower-case hex SHA-256 of bytes. */
async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  let hex = "";
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
