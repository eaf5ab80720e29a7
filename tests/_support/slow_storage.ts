/**
 * Memory storages whose appends are slow or stalled (a slow disk, a hung network mount, a remote
 * binding that does not answer), for tests of what waits for storage writes.
 *
 * @module
 */
import { MemoryStorage } from "../../src/storage/memory.ts";
import type { MemoryStorageOptions } from "../../src/storage/memory.ts";

/**
 * A memory storage whose appends take `ms`.
 *
 * @param ms The delay of each append.
 * @param storage The storage to slow down (default a new one).
 * @returns The storage.
 */
export function slowStorage(
  ms: number,
  storage: MemoryStorage = new MemoryStorage(),
): MemoryStorage {
  const append = storage.appendLines.bind(storage);
  storage.appendLines = async (path, lines) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return append(path, lines);
  };
  return storage;
}

/** A stalled storage and its controls. */
export interface StalledStorage {
  readonly storage: MemoryStorage;
  /** Lets the waiting appends (and later ones) through. */
  readonly release: () => void;
  /** Stalls the appends that come after it again. */
  readonly stall: () => void;
}

/**
 * A memory storage whose appends wait until `release()` (and again after `stall()`).
 *
 * @param options Options of the memory storage.
 * @returns The storage and its controls.
 */
export function stalledStorage(options?: MemoryStorageOptions): StalledStorage {
  const storage = new MemoryStorage(options);
  const append = storage.appendLines.bind(storage);
  let release: () => void = () => {};
  let released: Promise<void>;
  const stall = () => void (released = new Promise<void>((resolve) => release = resolve));
  stall();
  storage.appendLines = async (path, lines) => {
    await released;
    return append(path, lines);
  };
  return { storage, release: () => release(), stall };
}
