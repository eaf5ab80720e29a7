/**
 * The error type tracelet throws from configuration and setup calls (never from span methods).
 *
 * @module
 */

/**
 * Stable error codes of {@linkcode TracerError}, each thrown at configuration or setup time:
 *
 * - `INVALID_CONFIG`: an option of the wrong type or out of range (`configure()`, the exporters,
 *   storages, processors' factories, `instrument()`, `tracedFetch()`, samplers); the message names
 *   the option, never a secret value.
 * - `MISSING_CREDENTIALS`: a backend named without what it needs (`server` without `organization`
 *   or the reverse, in `configure()` and `createOtlpExporter()`).
 * - `WRONG_RUNTIME`: what the runtime lacks (no `fetch` for the OTLP exporter, no `Deno` for
 *   `DenoFsStorage`).
 * - `INVALID_TRACE_CONTEXT`: `continueTask()` given a task context it cannot continue.
 */
export type TracerErrorCode =
  | "INVALID_CONFIG"
  | "MISSING_CREDENTIALS"
  | "WRONG_RUNTIME"
  | "INVALID_TRACE_CONTEXT";

/**
 * An error raised by tracelet's setup and configuration APIs, with a stable `code`.
 *
 * @example
 * ```ts
 * import { TracerError } from "@tracelet/tracelet";
 * const err = new TracerError("INVALID_CONFIG", "Cannot configure: batch size must be positive");
 * console.log(err.code); // "INVALID_CONFIG"
 * ```
 */
export class TracerError extends Error {
  /** The stable error code. */
  readonly code: TracerErrorCode;

  /**
   * Creates an error with `name` `"TracerError"`.
   *
   * @param code The stable error code.
   * @param message A sentence naming what failed.
   * @param options Standard error options (`cause`; typed here, not as the ES2022 library's
   *   `ErrorOptions`, so the declarations compile with `lib: ["es2020"]` too).
   */
  constructor(code: TracerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TracerError";
    this.code = code;
  }
}
