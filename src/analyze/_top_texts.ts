/**
 * The most frequent error texts of a trace analysis in bounded memory: every text is counted
 * exactly while there are at most `capacity` distinct ones (and their characters fit the budget);
 * past that, the Space-Saving algorithm (Metwally, Agrawal and El Abbadi, 2005) keeps the
 * `capacity` most frequent ones, so a text seen more often than once in `capacity` lines of
 * errors is always listed.
 *
 * @module
 */
import { detachedString } from "./_detached_string.ts";

/** A tracked text: its counts since it was tracked, and its place in the heap. */
interface Entry {
  readonly text: string;
  /** Upper bound on its occurrences (`err` plus the occurrences counted). */
  count: number;
  /** What `count` may exceed its occurrences by (the count it took over when tracked). */
  err: number;
  /** Its index in the heap, once the heap exists. */
  index: number;
}

/** Bounds of a {@linkcode TopTexts}. */
export interface TopTextsLimits {
  /** Distinct texts tracked (at least 1). */
  readonly capacity: number;
  /** UTF-16 code units of the tracked texts, in all. */
  readonly maxChars: number;
  /** The longest text tracked whole; a longer one is cut. */
  readonly maxTextLength: number;
}

/** Counts texts; the top ones are exact until a text had to be dropped to stay in bounds. */
export class TopTexts {
  readonly #limits: TopTextsLimits;
  /** Tracked texts, in the order first tracked (the order of ties). */
  readonly #entries = new Map<string, Entry>();
  /** A min-heap of the entries by `count`, built when the first text is dropped. */
  #heap: Entry[] | undefined;
  #chars = 0;
  /** The largest count dropped: a text not tracked occurred at most this many times. */
  #floor = 0;
  /** Texts dropped to stay in bounds. */
  dropped = 0;
  /** Texts counted cut to `maxTextLength`. */
  cut = 0;

  /**
   * Starts with no texts.
   *
   * @param limits The bounds.
   */
  constructor(limits: TopTextsLimits) {
    this.#limits = {
      capacity: Math.max(1, limits.capacity),
      maxChars: limits.maxChars,
      maxTextLength: Math.max(1, limits.maxTextLength),
    };
  }

  /** The largest count a text not listed may have had (0 while exact). */
  get floor(): number {
    return this.#floor;
  }

  /**
   * Counts one occurrence.
   *
   * @param text The text.
   */
  add(text: string): void {
    const key = text.length > this.#limits.maxTextLength ? this.#cutText(text) : text;
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.count++;
      if (this.#heap !== undefined) this.#down(entry.index);
      return;
    }
    const kept = detachedString(key);
    const fits = this.#entries.size < this.#limits.capacity &&
      this.#chars + kept.length <= this.#limits.maxChars;
    if (fits && this.#heap === undefined) {
      this.#entries.set(kept, { text: kept, count: 1, err: 0, index: -1 });
      this.#chars += kept.length;
      return;
    }
    const heap = this.#heap ?? this.#buildHeap();
    while (
      heap.length > 0 && (this.#entries.size >= this.#limits.capacity ||
        this.#chars + kept.length > this.#limits.maxChars)
    ) {
      this.#drop();
    }
    const added: Entry = { text: kept, count: this.#floor + 1, err: this.#floor, index: 0 };
    this.#entries.set(kept, added);
    this.#chars += kept.length;
    added.index = heap.push(added) - 1;
    this.#up(added.index);
  }

  /**
   * The `n` most frequent texts, most frequent first, ties in the order first tracked. Past the
   * bounds, ranked by the occurrences counted while tracked (a lower bound: each may have had up
   * to {@linkcode floor} more).
   *
   * @param n How many.
   * @returns The texts and their counts.
   */
  top(n: number): { error: string; count: number }[] {
    return [...this.#entries.values()]
      .map((e) => ({ error: e.text, count: e.count - e.err }))
      .sort((a, b) => b.count - a.count)
      .slice(0, n);
  }

  /** A text longer than `maxTextLength`: its start and its length, never half a character. */
  #cutText(text: string): string {
    this.cut++;
    let end = this.#limits.maxTextLength;
    const last = text.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    return `${text.slice(0, end)}… (cut: ${text.length} characters)`;
  }

  #buildHeap(): Entry[] {
    const heap = [...this.#entries.values()];
    heap.forEach((e, i) => (e.index = i));
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.#down(i, heap);
    return (this.#heap = heap);
  }

  /** Drops the least frequent text. */
  #drop(): void {
    const heap = this.#heap!;
    const least = heap[0];
    const last = heap.pop()!;
    if (last !== least) {
      heap[0] = last;
      last.index = 0;
      this.#down(0);
    }
    this.#entries.delete(least.text);
    this.#chars -= least.text.length;
    this.#floor = Math.max(this.#floor, least.count);
    this.dropped++;
  }

  #up(i: number): void {
    const heap = this.#heap!;
    const entry = heap[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].count <= entry.count) break;
      heap[i] = heap[parent];
      heap[i].index = i;
      i = parent;
    }
    heap[i] = entry;
    entry.index = i;
  }

  #down(i: number, heap: Entry[] = this.#heap!): void {
    const entry = heap[i];
    for (;;) {
      let child = 2 * i + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && heap[child + 1].count < heap[child].count) child++;
      if (heap[child].count >= entry.count) break;
      heap[i] = heap[child];
      heap[i].index = i;
      i = child;
    }
    heap[i] = entry;
    entry.index = i;
  }
}
