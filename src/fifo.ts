/**
 * A first-in, first-out queue whose `shift` is amortized O(1). `Array.prototype.shift` moves every
 * remaining item (O(n) on V8 once an array is large), so a long queue drained from the front
 * costs O(n²) overall; this one advances a head index instead and copies the live items down
 * only once the dead slots before the head outnumber them.
 *
 * @internal
 * @module
 */

/** Dead slots a queue keeps before the head at least, so small queues do not copy on every shift. */
const MIN_COMPACT = 16;

/** Items in insertion order; `shift` takes the oldest. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** How many items are queued. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /**
   * Appends an item.
   * @param item The item.
   */
  push(item: T): void {
    this.#items.push(item);
  }

  /**
   * Takes the oldest item.
   * @returns The oldest item, or undefined when the queue is empty.
   */
  shift(): T | undefined {
    const items = this.#items;
    if (this.#head >= items.length) return undefined;
    const item = items[this.#head];
    items[this.#head++] = undefined; // let the item go at once
    if (this.#head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= MIN_COMPACT && this.#head * 2 > items.length) {
      this.#items = items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /**
   * Copies the queued items.
   * @returns The items, oldest first.
   */
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }
}
