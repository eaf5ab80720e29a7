/**
 * Rate-limited, secret-masking warnings for the OTLP exporter: at most one diagnostic per code
 * per interval (a collector that is down must not flood the host's logs), and every configured
 * secret value (API key, header values) replaced by `[REDACTED]` before anything is reported,
 * even when a server echoes it back in an error body.
 *
 * @module
 */
import { report } from "../diagnostics.ts";

/** Reports a warning with a stable code; see {@linkcode throttledWarner}. */
export type Warn = (code: string, message: string) => void;

/**
 * A warning reporter that masks secrets and reports each code at most once per interval.
 *
 * @param secrets Values that must never appear in a diagnostic. Each is masked whole, trimmed,
 *   and by its credential alone (what follows the first space, as in `Bearer <token>`); a part
 *   shorter than 4 characters is too common to mask and is left alone.
 * @param intervalMillis Minimum time between two warnings with the same code.
 * @returns The reporter.
 * @example
 * ```ts
 * import { throttledWarner } from "./_warn.ts";
 * const warn = throttledWarner(["s3cret-token"]);
 * warn("export_failed", "401: bad token s3cret-token"); // reported as "401: bad token [REDACTED]"
 * const auth = throttledWarner(["Bearer sk-live-123"]);
 * auth("export_failed", "401: no key sk-live-123"); // reported as "401: no key [REDACTED]"
 * ```
 */
export function throttledWarner(secrets: readonly string[], intervalMillis = 60_000): Warn {
  const masked = secrets.flatMap((secret) => [
    secret,
    secret = secret.trim(),
    secret.slice(secret.indexOf(" ") + 1).trim(),
  ]).filter((secret) => secret.length >= 4);
  const last = new Map<string, number>();
  return (code, message) => {
    const now = Date.now();
    if (now - (last.get(code) ?? -Infinity) < intervalMillis) return;
    last.set(code, now);
    for (const secret of masked) message = message.split(secret).join("[REDACTED]");
    report("warn", code, message);
  };
}
