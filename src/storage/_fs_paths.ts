/**
 * Path arithmetic of the fs storage adapters, on plain strings (no `node:path`, which Deno,
 * Workers bundles and browsers may lack): making a path absolute the way `node:path`'s `resolve`
 * does (POSIX and Windows), trimming separators, a path's directory, and the default root
 * `.tracelet` in the working directory.
 *
 * @module
 */
import { getCwd } from "../runtime/_globals.ts";

/**
 * The root of an absolute path: `/`; on Windows `\\host\share\`, a device's `\\?\` or `\\.\`
 * (followed by a name, as node:path takes them), `C:\` or `\` (either slash).
 */
const POSIX_ROOT = /^\//;
const WINDOWS_ROOT =
  /^(?:[\\/]{2}(?:[.?][\\/]+(?=[^\\/])|(?![.?][\\/])[^\\/]+[\\/]+[^\\/]+(?:[\\/]|$))|(?:[A-Za-z]:)?[\\/])/;

/**
 * Makes a path absolute against a working directory and collapses `.`, `..` and repeated
 * separators, as `node:path`'s `resolve` does, so that one directory always has one name (the fs
 * adapters key their per-file queues and outbox leases by it). Separators are `/`, and on
 * Windows also `\`, where the result uses `\` and keeps the root (`C:\`, `\\host\share\`, with
 * repeated separators inside it collapsed too; a path starting with one separator is on the
 * working directory's drive, and `C:x` is taken against the working directory when it is on
 * drive `C:`, else against `C:\`).
 *
 * @param cwd The absolute working directory.
 * @param path A relative or absolute path.
 * @param windows Whether these are Windows paths.
 * @returns The absolute path, without a trailing separator (but the root's).
 * @example
 * ```ts
 * import { resolvePath } from "./_fs_paths.ts";
 * resolvePath("/home/me", "./traces//a/../b/"); // "/home/me/traces/b"
 * ```
 */
export function resolvePath(cwd: string, path: string, windows = false): string {
  const rootOf = (p: string) => (windows ? WINDOWS_ROOT : POSIX_ROOT).exec(p)?.[0];
  let full = path;
  let root = rootOf(path);
  if (root === undefined) {
    const drive = windows ? /^[A-Za-z]:/.exec(path)?.[0] : undefined;
    const onCwd = drive === undefined || cwd.toUpperCase().startsWith(drive.toUpperCase());
    // `c:x` on a working directory on `C:` keeps the path's spelling of the drive, as node:path.
    const base = onCwd ? (drive ?? "") + cwd.slice(drive?.length ?? 0) : drive + "\\";
    full = `${base}/${path.slice(drive?.length ?? 0)}`;
    root = rootOf(full) ?? "/";
  } else if (windows && root.length === 1) {
    root = rootOf(cwd) ?? root;
    full = root + path.slice(1);
  }
  const segments: string[] = [];
  for (const segment of full.slice(root.length).split(windows ? /[\\/]+/ : /\/+/)) {
    if (segment === "..") segments.pop();
    else if (segment !== "." && segment !== "") segments.push(segment);
  }
  if (!windows) return "/" + segments.join("/");
  // One `\` per separator run, but for the two that start `\\host\share\`.
  const unc = /^[\\/]{2}/.test(root) ? "\\" : "";
  return unc + root.replace(/[\\/]+/g, "\\").replace(/[^\\]$/, "$&\\") + segments.join("\\");
}

/**
 * Drops trailing `/` and `\` separators, so a directory can be joined with `/` + name.
 *
 * @param dir A directory path.
 * @returns The path without trailing separators (`/` becomes ``, which joins to `/name`).
 */
export function trimSeparators(dir: string): string {
  return dir.replace(/[\\/]+$/, "");
}

/**
 * The directory part of a path built with `/` separators.
 *
 * @param path An absolute path.
 * @returns Everything before the last `/`.
 */
export function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * `.tracelet` in the current working directory (relative where the runtime has none): the default
 * storage root when `TRACELET_HOME` is not set.
 *
 * @returns The root directory path.
 */
export function cwdStorageRoot(): string {
  const cwd = getCwd();
  return cwd === undefined ? ".tracelet" : `${trimSeparators(cwd)}/.tracelet`;
}
