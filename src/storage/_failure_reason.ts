/**
 * Why a storage operation failed, as text for a diagnostic's message: the error's message and,
 * when the message does not say it, its code (`ENOSPC`, `EACCES`, `ENOTDIR`: Deno's messages
 * carry the OS text without the code). Never throws, whatever was thrown.
 *
 * @module
 */

import { cutText } from "../cut_text.ts";
import { safeString } from "../safe_string.ts";

/** The longest reason kept (a message can quote a whole path, or data). */
const MAX_REASON_CHARS = 500;

/**
 * The text of an error, with its code when the message lacks it, on one line.
 *
 * @param error Anything thrown.
 * @returns For example `ENOSPC: no space left on device, write`,
 *   `No space left on device (os error 28) (ENOSPC)` or `Access to this API has been restricted
 *   (ERR_ACCESS_DENIED): FileSystemWrite on /srv/app/.tracelet/x`; `<unprintable>` when nothing
 *   can be read.
 * @example
 * ```ts
 * import { failureReason } from "./_failure_reason.ts";
 * const error = Object.assign(new Error("Permission denied (os error 13)"), { code: "EACCES" });
 * console.log(failureReason(error)); // "Permission denied (os error 13) (EACCES)"
 * ```
 */
export function failureReason(error: unknown): string {
  try {
    let text = safeString(error);
    if (typeof error === "object" && error !== null) {
      const { name, message, code, permission, resource } = error as Record<string, unknown>;
      if (typeof message === "string" && message !== "") {
        // Deno's class says what failed (`NotCapable`, `PermissionDenied`); `Error` says nothing.
        text =
          typeof name === "string" && name !== "Error" && name !== "" && !message.includes(name)
            ? `${name}: ${message}`
            : message;
      }
      if (typeof code === "string" && code !== "" && !text.includes(code)) text += ` (${code})`;
      // Node's permission model says only "Access to this API has been restricted": what it
      // refused, and where, are fields (`FileSystemWrite`, the path).
      if (typeof permission === "string" && !text.includes(permission)) {
        text += `: ${permission}${typeof resource === "string" ? ` on ${resource}` : ""}`;
      }
    }
    const line = text.replace(/\s+/g, " ").trim();
    const cut = cutText(line, MAX_REASON_CHARS); // never half a surrogate pair
    return cut === line ? line : `${cut}…`;
  } catch {
    return "<unprintable>"; // a throwing getter or a revoked proxy
  }
}
