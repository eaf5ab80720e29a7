/**
 * A queue that finds its oldest live item in amortized O(1) while items die anywhere in it: dead
 * items are skipped when met at the front and swept out once they outnumber the live ones.
 * (A `Map`'s first key is no substitute: after many deletions at its front, `keys().next()`
 * walks every hole left behind until the table is rebuilt.)
 *
 * @internal
 * @module
 */

/** Items in insertion order; which are still alive is the owner's business (`isLive`). */
export class OldestFirst<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  readonly #isLive: (item: T) => boolean;

  /**
   * Creates an empty queue.
   * @param isLive Whether an item still counts; once false it must stay false.
   */
  constructor(isLive: (item: T) => boolean) {
    this.#isLive = isLive;
  }

  /**
   * Appends an item.
   * @param item The item.
   * @param liveBound At most this many items are alive (sizes the sweep, so it stays bounded).
   */
  push(item: T, liveBound: number): void {
    this.#items.push(item);
    if (this.#items.length > 2 * liveBound + 32) {
      this.#items = this.#items.slice(this.#head).filter((it) => this.#isLive(it!));
      this.#head = 0;
    }
  }

  /**
   * Finds the oldest live item (dead ones met on the way are let go).
   * @returns The oldest live item, or undefined when none is alive.
   */
  oldest(): T | undefined {
    const items = this.#items;
    while (this.#head < items.length) {
      const item = items[this.#head]!;
      if (this.#isLive(item)) return item;
      items[this.#head++] = undefined;
    }
    return undefined;
  }
}
