// Helpers shared by scripts/test_all.mjs and scripts/test_workerd.mjs: test file discovery
// and the "N passed, N failed, N skipped" summary format.

import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

/** Directories never searched for tests. */
const IGNORED_DIRS = new Set(["node_modules", ".git", "npm", ".deno_dir", "coverage"]);

function walk(dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!IGNORED_DIRS.has(entry.name)) walk(path, out);
    } else if (entry.isFile() && entry.name.endsWith(".test.ts")) {
      out.push(path);
    }
  }
  return out;
}

/**
 * Finds test files as repo-relative paths (sorted, forward slashes). With no `filters`,
 * every `tests/**\/*.test.ts`; otherwise each filter is a file or a directory searched
 * recursively. Throws on a filter that does not exist.
 */
export function findTestFiles(root, filters = []) {
  const targets = filters.length > 0 ? filters : ["tests"];
  const found = new Set();
  for (const target of targets) {
    const abs = resolve(root, target);
    if (!existsSync(abs)) {
      if (filters.length === 0) continue;
      throw new Error(`Cannot find tests: "${target}" does not exist`);
    }
    const files = statSync(abs).isDirectory() ? walk(abs, []) : [abs];
    for (const f of files) found.add(relative(root, f).split("\\").join("/"));
  }
  return [...found].sort();
}

/** Formats counts as `N passed, N failed, N skipped`. */
export function formatCounts({ passed, failed, skipped }) {
  return `${passed} passed, ${failed} failed, ${skipped} skipped`;
}
