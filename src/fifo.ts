/**
 * A first-in, first-out queue whose `shift` and `take` are amortized O(1) an item.
 * `Array.prototype.shift` moves every remaining item (O(n) on V8 once an array is large), so a
 * long queue drained from the front costs O(n²) overall; this one advances a head index instead
 * and copies the live items down only once the dead slots before the head outnumber them. Items
 * taken off are let go at once, so they can be garbage-collected while the queue lives on.
 *
 * @internal
 * @module
 */

/** Dead slots a queue keeps before the head at least, so small queues do not copy on every shift. */
const MIN_COMPACT = 16;

/** Items in insertion order; `shift` and `take` take the oldest. */
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
   * Reads the oldest item without taking it.
   * @returns The oldest item, or undefined when the queue is empty.
   */
  peek(): T | undefined {
    return this.#head < this.#items.length ? this.#items[this.#head] : undefined;
  }

  /**
   * Takes the oldest item.
   * @returns The oldest item, or undefined when the queue is empty.
   */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#dropBefore(this.#head + 1);
    return item;
  }

  /**
   * Takes the `count` oldest items (all of them when fewer are queued).
   * @param count How many items to take at most.
   * @returns The items taken, oldest first: a new array, never shared with the queue.
   */
  take(count: number): T[] {
    const items = this.#items;
    const head = this.#head;
    if (count >= items.length - head) {
      this.#items = [];
      this.#head = 0;
      return (head === 0 ? items : items.slice(head)) as T[];
    }
    const end = head + Math.floor(count);
    if (!(end > head)) return [];
    const taken = items.slice(head, end) as T[];
    this.#dropBefore(end);
    return taken;
  }

  /**
   * Takes out every item for which `predicate` returns true, keeping the others in order. The
   * predicate must not change the queue.
   * @param predicate Tells which items to remove.
   * @returns How many items were removed.
   */
  removeWhere(predicate: (item: T) => boolean): number {
    const items = this.#items;
    const kept: T[] = [];
    for (let i = this.#head; i < items.length; i++) {
      const item = items[i] as T;
      if (!predicate(item)) kept.push(item);
    }
    const removed = items.length - this.#head - kept.length;
    this.#items = kept;
    this.#head = 0;
    return removed;
  }

  /** Takes out every item. */
  clear(): void {
    this.#items = [];
    this.#head = 0;
  }

  /**
   * Copies the queued items.
   * @returns The items, oldest first.
   */
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }

  /** Drops the items before index `end` (taken): lets them go, or copies the rest down. */
  #dropBefore(end: number): void {
    const items = this.#items;
    if (end === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (end >= MIN_COMPACT && end * 2 > items.length) {
      this.#items = items.slice(end); // the old array, and the taken items with it, can go
      this.#head = 0;
    } else {
      for (let i = this.#head; i < end; i++) items[i] = undefined; // let the items go at once
      this.#head = end;
    }
  }
}
