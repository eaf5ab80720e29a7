/**
 * An export's deadline and abort signal in the WebSocket exporter: whichever comes first ends the
 * wait of its spans that are still queued or being written, and both are unhooked once the export
 * resolves.
 *
 * @module
 */
import { numberAtLeast } from "../number_option.ts";
import { clearBackgroundTimer, setBackgroundTimer } from "../processor/_timer.ts";
import type { ExportOptions } from "../processor/types.ts";
import type { Batch } from "./_ws_batch.ts";

/**
 * Calls `expire` at the batch's deadline (`deadline`) or abort (`aborted`) while its export waits;
 * wraps `batch.done` to clear the timer and the abort listener when the export resolves.
 *
 * @param batch The export, whose `done` is already set.
 * @param options Its deadline and abort signal.
 * @param expire Settles the batch's waiting spans.
 */
export function watchBatchDeadline(
  batch: Batch,
  options: ExportOptions,
  expire: (reason: "deadline" | "aborted") => void,
): void {
  const { signal } = options;
  const deadline = numberAtLeast(options.deadline, 0, Infinity);
  const onAbort = () => expire("aborted");
  const timer = deadline === Infinity
    ? undefined
    : setBackgroundTimer(() => expire("deadline"), Math.max(0, deadline - Date.now()));
  signal?.addEventListener("abort", onAbort);
  const done = batch.done;
  batch.done = () => {
    if (timer !== undefined) clearBackgroundTimer(timer);
    signal?.removeEventListener("abort", onAbort);
    done();
  };
}
