/**
 * Rate-limited, secret-masking warnings for the OTLP exporter: at most one diagnostic per code
 * per interval (a collector that is down must not flood the host's logs), and every configured
 * secret value (API key, header values) replaced by `[REDACTED]` before anything is reported,
 * even when a server echoes it back in an error body.
 *
 * @module
 */
import { report } from "../diagnostics.ts";

/** Reports warnings at most once per interval per code, with secrets masked. */
export class ThrottledWarner {
  readonly #secrets: readonly string[];
  readonly #intervalMillis: number;
  readonly #last = new Map<string, number>();

  /**
   * @param secrets Values that must never appear in a diagnostic.
   * @param intervalMillis Minimum time between two warnings with the same code.
   */
  constructor(secrets: readonly string[], intervalMillis = 60_000) {
    this.#secrets = secrets.filter((s) => s.length > 0);
    this.#intervalMillis = intervalMillis;
  }

  /**
   * Masks every secret in a text.
   *
   * @param text Any text.
   * @returns The text with each secret replaced by `[REDACTED]`.
   */
  mask(text: string): string {
    for (const secret of this.#secrets) text = text.split(secret).join("[REDACTED]");
    return text;
  }

  /**
   * Reports a warning unless one with the same code was reported within the interval.
   *
   * @param code Stable diagnostic code.
   * @param message The sentence (masked before reporting).
   */
  warn(code: string, message: string): void {
    const now = Date.now();
    if (now - (this.#last.get(code) ?? -Infinity) >= this.#intervalMillis) {
      this.#last.set(code, now);
      report("warn", code, this.mask(message));
    }
  }
}
