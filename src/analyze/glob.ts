/**
 * A small glob matcher for trace file names: `*` (any characters except `/`), `?` (one
 * character except `/`), `**` (any number of directories), `[abc]` character classes. As with
 * Python's `pathlib`, `.` segments and repeated `/` are ignored (`./run_*.jsonl` is `run_*.jsonl`),
 * and a pattern is relative to the trace directory: an absolute one (`/x/*.jsonl`) is an error.
 *
 * @module
 */

/**
 * Compiles a glob into a regular expression matching whole repo-style paths (with `/`).
 *
 * @param glob The pattern, e.g. `run_*.jsonl` or `**\/*.jsonl`.
 * @returns The expression.
 * @throws {RangeError} For an absolute pattern (one starting with `/`), as `pathlib` raises.
 */
export function globToRegExp(pattern: string): RegExp {
  const glob = normalizeGlob(pattern);
  let out = "^";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") {
      if (glob[i + 1] === "*") {
        const slash = glob[i + 2] === "/";
        out += slash ? "(?:.*/)?" : ".*";
        i += slash ? 2 : 1;
      } else {
        out += "[^/]*";
      }
    } else if (c === "?") {
      out += "[^/]";
    } else if (c === "[") {
      const end = glob.indexOf("]", i + 1);
      if (end < 0) {
        out += "\\[";
      } else {
        const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
        out += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else {
      out += c.replace(/[.+^${}()|\\]/g, "\\$&");
    }
  }
  return new RegExp(`${out}$`);
}

/**
 * Whether a glob looks below the top directory (contains `/`), so a recursive listing is needed.
 *
 * @param glob The pattern.
 * @returns True when it names subdirectories.
 * @throws {RangeError} For an absolute pattern.
 */
export function globIsRecursive(glob: string): boolean {
  return normalizeGlob(glob).includes("/");
}

/** The glob without `.` segments, empty segments and a trailing `/`; throws if absolute. */
function normalizeGlob(glob: string): string {
  if (glob.startsWith("/")) {
    throw new RangeError(
      `Non-relative patterns are unsupported: ${glob} (the glob is relative to the trace directory)`,
    );
  }
  if (!glob.includes(".") && !glob.includes("//") && !glob.endsWith("/")) return glob;
  return glob.split("/").filter((part) => part !== "" && part !== ".").join("/");
}
