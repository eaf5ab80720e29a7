// Helpers shared by scripts/test_all.mjs and scripts/test_workerd.mjs: test file discovery,
// the "N passed, N failed, N skipped" summary format, and parsers that read each runner's
// closing summary into {passed, failed, skipped} (null when no summary was printed).

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

function lastMatch(output, re) {
  const all = [...output.matchAll(re)];
  return all.length > 0 ? all[all.length - 1] : null;
}

/**
 * Deno prints one `name ... ok|FAILED|ignored` line per test and per describe block, then
 * `ok | 3 passed (5 steps) | 0 failed | 1 ignored`. Leaf results are counted (a result line
 * directly after a deeper-indented one closes a describe block), so totals match the other
 * runtimes; the summary line is the fallback and guarantees a failure is never lost.
 */
export function parseDeno(output) {
  const line = lastMatch(output, /^(?:ok|FAILED) \|.*$/gm)?.[0];
  if (!line) return null;
  const count = (word) => {
    const m = line.match(new RegExp(`(\\d+) ${word}(?: \\((\\d+) steps?\\))?`));
    return m ? Number(m[1]) + Number(m[2] ?? 0) : 0;
  };
  const summary = { passed: count("passed"), failed: count("failed"), skipped: count("ignored") };
  const leaves = { passed: 0, failed: 0, skipped: 0 };
  const key = { ok: "passed", FAILED: "failed", ignored: "skipped" };
  let previousIndent = -1;
  for (const text of output.split("\n")) {
    if (text.startsWith("running ")) previousIndent = -1;
    const m = text.match(/^( *)\S.* \.\.\. (ok|FAILED|ignored)(?: \(|$)/);
    if (!m) continue;
    if (m[1].length >= previousIndent) leaves[key[m[2]]]++;
    previousIndent = m[1].length;
  }
  if (leaves.passed + leaves.failed + leaves.skipped === 0) return summary;
  if (summary.failed > 0 && leaves.failed === 0) leaves.failed = summary.failed;
  return leaves;
}

/**
 * Node TAP: `# pass N`, `# fail N`, `# cancelled N`, `# skipped N`, `# todo N`. Node leaves
 * skipped describe blocks out of `# skipped`, so each one is added as one skipped test.
 */
export function parseNodeTap(output) {
  const n = (key) => Number(lastMatch(output, new RegExp(`^# ${key} (\\d+)$`, "gm"))?.[1] ?? NaN);
  if (Number.isNaN(n("pass"))) return null;
  const skippedSuites = output.match(
    /^ *ok \d+ - .*# SKIP.*\n *---\n(?: +\w+:.*\n)*? +type: 'suite'/gm,
  );
  return {
    passed: n("pass"),
    failed: n("fail") + (n("cancelled") || 0),
    skipped: (n("skipped") || 0) + (n("todo") || 0) + (skippedSuites?.length ?? 0),
  };
}

/** Bun: ` N pass`, ` N skip`, ` N todo`, ` N fail`. */
export function parseBun(output) {
  const n = (key) => Number(lastMatch(output, new RegExp(`^\\s*(\\d+) ${key}$`, "gm"))?.[1] ?? 0);
  if (!/^Ran \d+ tests? across/m.test(output)) return null;
  return { passed: n("pass"), failed: n("fail"), skipped: n("skip") + n("todo") };
}

/** scripts/test_workerd.mjs: `workerd: N passed, N failed, N skipped`. */
export function parseWorkerd(output) {
  const m = lastMatch(output, /^workerd: (\d+) passed, (\d+) failed, (\d+) skipped$/gm);
  return m ? { passed: +m[1], failed: +m[2], skipped: +m[3] } : null;
}

/**
 * Names of the failed tests in a runner's output, as `file > suite > test` where the runner
 * says which file, so a truncated CI log still says what failed: its summary lists them.
 * Returns the deepest failures only (a describe block failing because a test in it failed is
 * not listed again).
 */
export function failedTestNames(runtime, output) {
  const lines = output.split("\n");
  if (runtime === "workerd") {
    return lines.filter((l) => l.startsWith("FAIL ")).map((l) => l.slice(5).trim());
  }
  if (runtime === "bun") {
    let file = "";
    const names = [];
    for (const l of lines) {
      if (/^\S.*\.test\.ts:$/.test(l)) file = l.slice(0, -1);
      const m = l.match(/^\(fail\) (.*?)(?: \[[\d.]+m?s\])?$/);
      if (m) names.push(file ? `${file} > ${m[1]}` : m[1]);
    }
    return names;
  }
  const failures = [];
  const stack = [];
  let file = "";
  for (const l of lines) {
    if (runtime === "deno") {
      const running = l.match(/^running \d+ tests? from (\S+)/);
      if (running) file = running[1].replace(/^\.\//, "");
      const m = l.match(/^( *)(\S.*?) \.\.\.(?: (ok|FAILED|ignored)(?: \(.*)?)?$/);
      if (!m) continue;
      const depth = m[1].length / 2;
      stack.length = depth;
      stack[depth] = m[2];
      if (m[3] === "FAILED") failures.push([file, ...stack]);
    } else {
      // Node's TAP names no file when it runs several; each failure's YAML block has its
      // `location: '/abs/path/tests/x.test.ts:4:3'`.
      const subtest = l.match(/^( *)# Subtest: (.*)$/);
      if (subtest) {
        const depth = subtest[1].length / 4;
        stack.length = depth;
        stack[depth] = subtest[2];
      }
      const notOk = l.match(/^( *)not ok \d+ - (.*?)(?: # .*)?$/);
      if (notOk) failures.push(["", ...stack.slice(0, notOk[1].length / 4), notOk[2]]);
      const location = l.match(/^ *location: '(?:file:\/\/)?(.*?):\d+:\d+'$/);
      const last = failures[failures.length - 1];
      if (location && last && last[0] === "") {
        const at = location[1].lastIndexOf("tests/");
        last[0] = at >= 0 ? location[1].slice(at) : location[1];
      }
    }
  }
  const joined = failures.map((path) => path.filter(Boolean).join(" > "));
  return joined.filter((name) => !joined.some((other) => other.startsWith(`${name} > `)));
}
