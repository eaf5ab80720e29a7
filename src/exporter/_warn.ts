/**
 * Rate-limited, secret-masking warnings for the exporters: at most one diagnostic per code per
 * interval (a collector that is down must not flood the host's logs), and every configured secret
 * value (API key, header values) replaced by `[REDACTED]` before anything is reported, even when a
 * server echoes it back in an error body.
 *
 * @module
 */
import { report } from "../diagnostics.ts";
import type { DiagnosticLevel } from "../diagnostics.ts";

/**
 * Reports a diagnostic with a stable code (level `"warn"` unless given), masking `secrets` too;
 * see {@linkcode throttledWarner}.
 */
export type Warn = (
  code: string,
  message: string,
  level?: DiagnosticLevel,
  secrets?: readonly string[],
) => void;

/**
 * Replaces every secret in `text` by `[REDACTED]`, longest first, then cuts the text to `max`
 * characters and collapses its whitespace: masked first, so a secret straddling the cut or holding
 * whitespace leaks nothing (pass the text as received: a text cut or reformatted before it is
 * masked could hold part of a secret). Each secret is masked whole, trimmed, and by its credential
 * alone (what follows the first whitespace, as in `Bearer <token>`); a part shorter than 4
 * characters is too common to mask and is left alone. Each is also masked as servers echo it
 * encoded: percent-encoded (`%2F`, `%2B`, `%3D`) and JSON-escaped with `\/` (PHP's default), so a
 * base64 key holding `/`, `+` or `=` does not leak through an echo in a URL or a JSON error body.
 *
 * @param text The whole text, e.g. a message with an error body.
 * @param secrets Values that must not appear in the result.
 * @param max Most characters kept (before whitespace is collapsed).
 * @returns The masked text.
 * @example
 * ```ts
 * import { maskSecrets } from "./_warn.ts";
 * maskSecrets("bad key sk-live-123 (got sk-live-123)", ["Bearer sk-live-123"], 100);
 * // "bad key [REDACTED] (got [REDACTED])"
 * ```
 */
export function maskSecrets(text: string, secrets: readonly string[], max: number): string {
  const masked = secrets.flatMap((secret) => [
    secret,
    secret = secret.trim(),
    secret.slice(secret.search(/\s/) + 1).trim(),
  ]).filter((secret) => secret.length > 3).flatMap((secret) => {
    try {
      return [
        secret,
        encodeURIComponent(secret),
        JSON.stringify(secret).slice(1, -1).replaceAll("/", "\\/"),
      ];
    } catch {
      // A lone surrogate (`encodeURIComponent` throws): masked as given.
      return [secret];
    }
  })
    // Longest first: a short secret masked inside a longer one would leave the rest of it.
    .sort((a, b) => b.length - a.length);
  for (const secret of masked) text = text.split(secret).join("[REDACTED]");
  return text.slice(0, max).replace(/[\s\p{Cc}]+/gu, " ").trim();
}

/**
 * A warning reporter that masks secrets (see {@linkcode maskSecrets}), keeps at most 600
 * characters of a message, and reports each code at most once per interval.
 *
 * @param secrets Values that must never appear in a diagnostic.
 * @param intervalMillis Minimum time between two warnings with the same code.
 * @returns The reporter; its own `secrets` argument adds values for one message.
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
  const last = new Map<string, number>();
  return (code, message, level = "warn", more = []) => {
    const now = Date.now();
    if (now - last.get(code)! < intervalMillis) return; // never reported: NaN, not below
    last.set(code, now);
    report(level, code, maskSecrets(message, secrets.concat(more), 600));
  };
}
