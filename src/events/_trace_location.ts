/**
 * Where an {@linkcode EventTracer}'s JSONL files really are. A file-system storage (`node-fs`,
 * `deno-fs`) has a root directory, so a trace path can be reported as the file's real path and an
 * absolute `traceDir` inside the root can be honoured; other storages (memory, R2, KV, Durable
 * Objects) have no such directory, so their paths stay relative to the storage.
 *
 * @module
 */
import { resolvePath } from "../storage/_fs_paths.ts";
import type { TraceStorage } from "../storage/types.ts";

/**
 * The root directory of a file-system storage (`kind` `node-fs` or `deno-fs` with a string
 * `root`), or undefined for any other storage (also one whose fields cannot be read).
 *
 * @param storage The storage, if any.
 * @returns The absolute root, without a trailing separator (`""` for `/`), or undefined.
 */
export function fsRootOf(storage: TraceStorage | undefined): string | undefined {
  try {
    const { kind, root } = storage as { kind?: unknown; root?: unknown };
    return (kind === "node-fs" || kind === "deno-fs") && typeof root === "string"
      ? root
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether a root is a Windows path: it starts with a drive (`C:\…`) or `\\` (`\\host\share\…`). A
 * POSIX root always starts with `/`, even one whose names hold a `\`.
 */
function isWindowsRoot(root: string): boolean {
  return /^(?:[A-Za-z]:|\\\\)/.test(root);
}

/**
 * Whether a path is absolute for a storage root: starts with `/`, and on Windows also `\` or a
 * drive (`C:\`, `C:/`).
 *
 * @param path A path.
 * @param root The storage root.
 * @returns True when absolute.
 */
function isAbsoluteFor(path: string, root: string): boolean {
  return (isWindowsRoot(root) ? /^(?:[A-Za-z]:)?[\\/]/ : /^\//).test(path);
}

/** Where a trace directory goes under a storage root. */
export interface TraceDirPlace {
  /** The directory's segments relative to the root (not yet mapped by the storage). */
  readonly segments: string[];
  /**
   * True for a directory outside the root: an absolute one (then placed under it, path and all)
   * or a relative one whose `..` climb above it (clamped at the root).
   */
  readonly outside: boolean;
}

/**
 * The segments of a trace directory under a storage root. A relative directory (or any directory
 * when there is no root) is split at `/` and normalized as the OS reads it: `.` segments are
 * dropped and `..` removes the segment before it, clamped at the root (`./traces` is `traces`,
 * `a/../b` is `b`, `../x` is `x`, reported as outside when there is a root). An absolute one is
 * resolved (`.`, `..`) and taken relative to the root when it is inside it, else its segments are
 * placed under the root, since nothing is ever written outside it.
 *
 * @param dir The `traceDir` option.
 * @param root The file-system storage root, or undefined.
 * @returns The segments, and whether the directory was outside the root.
 */
export function placeTraceDir(dir: string, root: string | undefined): TraceDirPlace {
  if (root === undefined || !isAbsoluteFor(dir, root)) {
    const segments: string[] = [];
    let climbed = false;
    for (const segment of dir.split("/")) {
      if (segment === "..") climbed = segments.pop() === undefined || climbed;
      else if (segment !== "." && segment !== "") segments.push(segment);
    }
    return { segments, outside: climbed && root !== undefined };
  }
  const windows = isWindowsRoot(root);
  const full = resolvePath(root === "" ? "/" : root, dir, windows);
  // Windows paths are compared without case, as its file systems do by default.
  const fold = (path: string) => windows ? path.replace(/\//g, "\\").toLowerCase() : path;
  const base = fold(root);
  const inside = fold(full) === base || fold(full).startsWith(base + (windows ? "\\" : "/"));
  const rest = inside ? full.slice(root.length) : full;
  const segments = rest.split(windows ? /[\\/]/ : "/").filter((s) => s !== "");
  return { segments, outside: !inside };
}
