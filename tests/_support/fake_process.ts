/** A stand-in for Node's `process` for the exit-hook tests: listeners and recorded `kill` calls. */
import type { ExitProcess } from "../../src/runtime/_exit_hook.ts";

type Listener = (...args: never[]) => void;

/** A stand-in for Node's `process` that records `kill` calls. */
export class FakeProcess implements ExitProcess {
  readonly pid = 4242;
  readonly killed: string[] = [];
  readonly #listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): void {
    this.#listeners.set(event, [...this.listeners(event), listener]);
  }
  once(event: string, listener: Listener): void {
    const wrapper = Object.assign(() => {
      this.off(event, wrapper);
      listener();
    }, { listener });
    this.on(event, wrapper);
  }
  /** Removes a listener, also one added with `once` (as Node does). */
  off(event: string, listener: Listener): void {
    this.#listeners.set(
      event,
      this.listeners(event).filter((l) =>
        l !== listener && (l as { listener?: Listener }).listener !== listener
      ),
    );
  }
  listeners(event: string): Listener[] {
    return this.#listeners.get(event) ?? [];
  }
  kill(_pid: number, signal: string): void {
    this.killed.push(signal);
  }
  emit(event: string): void {
    for (const listener of this.listeners(event)) listener();
  }
}
