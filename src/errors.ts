/**
 * The error type tracelet throws from configuration and setup calls (never from span methods).
 *
 * @module
 */

/** Stable error codes of {@linkcode TracerError}. */
export type TracerErrorCode =
  | "INVALID_CONFIG"
  | "MISSING_CREDENTIALS"
  | "NO_STORAGE"
  | "WRONG_RUNTIME"
  | "INVALID_TRACE_CONTEXT"
  | "NOT_FOUND"
  | "OUTSIDE_TASK";

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
   * @param options Standard error options (`cause`).
   */
  constructor(code: TracerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "TracerError";
    this.code = code;
  }
}
