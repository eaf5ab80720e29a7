#!/usr/bin/env node
// THE test command (`npm test`, `.ci/run`): static checks, then the same tests/**/*.test.ts on
// Deno, Node 20 (+tsx), Bun and workerd, run one after another. Prints per-step lines and, as
// the very last line, `N passed, N failed` (skips are totalled on the line above). Exits
// non-zero if anything failed, a runtime crashed, or a runtime ran zero tests. Identical locally
// and in CI.
//
//   node scripts/test_all.mjs                        # everything
//   node scripts/test_all.mjs --only deno,node       # steps by name: checks, deno, node, bun,
//                                                    #   workerd, or an EXTRA_STEPS name
//   node scripts/test_all.mjs tests/foo.test.ts      # only these test files / directories

import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import {
  failedTestNames,
  findTestFiles,
  formatCounts,
  parseBun,
  parseDeno,
  parseNodeTap,
  parseWorkerd,
} from "./_summary.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
/**
 * A step that runs longer than this is killed and counted as crashed. Node's suite took 547 s of
 * a fresh-clone run on this 2-core machine on 2026-12-06 and passed 600 s in the next (killed with
 * every test it had run passed), so a step gets 20 minutes; the whole run stays well inside CI's 90.
 */
const STEP_TIMEOUT_MS = 20 * 60_000;
/** How many failed tests the summary names per runtime (the rest are in the log above). */
const MAX_FAILURES_LISTED = 20;
/** Per-test timeout handed to runners that support one (Bun's default is only 5 s). */
const TEST_TIMEOUT_MS = 20_000;
/**
 * Node's `--test-timeout` also bounds each test file as a whole (every file runs as one test of
 * the runner), so it gets a file's time: a file of 30+ tests that runs in 4 s alone once took past
 * 20 s on this 2-core machine and failed a fresh-clone run with every test in it passed.
 */
const NODE_FILE_TIMEOUT_MS = 60_000;

/** Static checks: each counts as one test (exit 0 = passed). Add more here. */
const STATIC_CHECKS = [
  { name: "deno fmt --check", cmd: "deno", args: ["fmt", "--check"] },
  { name: "deno lint", cmd: "deno", args: ["lint"] },
  { name: "deno check", cmd: "deno", args: () => ["check", ...existing(CHECK_TARGETS)] },
  { name: "deno publish --dry-run", cmd: "deno", args: ["publish", "--dry-run", "--allow-dirty"] },
  {
    name: "deno check --doc (JSDoc examples of every module, README examples)",
    cmd: "deno",
    args: ["check", "--doc-only", "mod.ts", "src/", "README.md"],
  },
  {
    // Every entry point of deno.json's export map at once, as JSR documents the package: a type
    // one entry names may be exported by another.
    name: "deno doc --lint (every export of deno.json)",
    cmd: "deno",
    args: () => ["doc", "--lint", ...new Set(Object.values(DENO_JSON.exports))],
  },
  {
    name: "no import cycles (runtime imports of every deno.json entry)",
    cmd: "node",
    args: ["scripts/check_import_cycles.mjs"],
  },
  {
    // The published numbers (bench/RESULTS.md, the README's block) are what the saved runs
    // (bench/results/*.json) render to: no hand-edited or unsaved numbers.
    name: "benchmark numbers match bench/results",
    cmd: "deno",
    args: ["run", "--allow-read", "bench/check_published.ts"],
  },
];
/** deno.json, for its export map. */
const DENO_JSON = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
/** Paths type-checked by `deno check`; missing or empty ones are left out. */
const CHECK_TARGETS = ["mod.ts", "src", "tests", "scripts"];

/** Test runtimes; `args(files)` gets the explicit repo-relative test file list. */
const RUNTIMES = [
  { name: "deno", cmd: "deno", args: (files) => ["test", "-A", ...files], parse: parseDeno },
  {
    name: "node",
    cmd: "node",
    args: (files) => [
      "--import",
      "tsx",
      "--test",
      "--test-reporter=tap",
      `--test-timeout=${NODE_FILE_TIMEOUT_MS}`,
      ...files,
    ],
    parse: parseNodeTap,
  },
  {
    name: "bun",
    cmd: "bun",
    args: (files) => ["test", `--timeout=${TEST_TIMEOUT_MS}`, ...files.map((f) => `./${f}`)],
    parse: parseBun,
  },
  {
    name: "workerd",
    cmd: "node",
    args: (files) => ["scripts/test_workerd.mjs", ...files],
    parse: parseWorkerd,
  },
];

/**
 * EXTRA STEPS (lead: npm build + smoke consumers, bench smoke go here).
 * Shape: { name, cmd, args: string[] | (files) => string[], parse?: (output) => counts|null }.
 * Without `parse`, a step counts as 1 passed test on exit 0 and 1 failed test otherwise.
 */
const EXTRA_STEPS = [
  // Benchmarks in smoke mode (bench/bench.ts --smoke): every workload on tiny counts so the
  // bench cannot rot; nothing is timed or judged, nothing is written.
  {
    name: "bench-smoke-node",
    cmd: "node",
    args: ["--expose-gc", "--import", "./bench/_node_loader.mjs", "bench/bench.ts", "--smoke"],
  },
  {
    name: "bench-smoke-deno",
    cmd: "deno",
    args: ["run", "-A", "--v8-flags=--expose-gc", "bench/bench.ts", "--smoke"],
  },
  // Distribution (issue 5): build npm/, check it, run it in fresh consumers, measure the bundle.
  { name: "npm-build", cmd: "node", args: ["--import", "tsx", "scripts/build_npm.ts"] },
  { name: "check-exports", cmd: "node", args: ["--import", "tsx", "scripts/check_exports.ts"] },
  { name: "publint", cmd: "publint", args: ["npm", "--strict"] },
  { name: "attw", cmd: "attw", args: ["--pack", "npm", "--profile", "esm-only", "--no-color"] },
  {
    name: "smoke-consumers",
    cmd: "node",
    args: ["scripts/smoke_consumers.mjs"],
    parse: (output) => {
      const m = [...output.matchAll(/^smoke: (\d+) passed, (\d+) failed, (\d+) skipped$/gm)].pop();
      return m ? { passed: +m[1], failed: +m[2], skipped: +m[3] } : null;
    },
  },
  {
    // Passes while the core stays under its ratchet ceiling; an unmet size target is shown as a
    // note on the summary line, never hidden.
    name: "bundle-budget",
    cmd: "node",
    args: ["scripts/bundle_budget.mjs"],
    parse: (output) => {
      // One ratchet line per program with a ceiling (the core, and the core via the package
      // entry): every one must be ok.
      const ratchets = [...output.matchAll(/^ratchet: (ok|FAILED)/gm)].map((m) => m[1]);
      if (ratchets.length === 0) return null;
      const ok = ratchets.every((verdict) => verdict === "ok");
      const target = /^target: NOT MET, (.*?) min\+gzip, (\d+ B) above the (\d+ B) target/m.exec(
        output,
      );
      const notes = target
        ? [`size target not met: ${target[1]}, ${target[2]} over ${target[3]}`]
        : [];
      return { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, notes };
    },
  },
];

// ---------------------------------------------------------------------------------------------

function existing(paths) {
  return paths.filter((p) => {
    const abs = join(ROOT, p);
    if (!existsSync(abs)) return false;
    return statSync(abs).isDirectory() ? hasSources(abs) : true;
  });
}

function hasSources(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .some((e) => e.isFile() && /\.(ts|mjs|js)$/.test(e.name));
}

// ---------------------------------------------------------------------------------------------

const env = {
  ...process.env,
  PATH: [join(ROOT, "node_modules", ".bin"), join(ROOT, "node_modules", "deno"), process.env.PATH]
    .join(delimiter),
  DENO_DIR: join(ROOT, ".deno_dir"),
  DENO_NO_UPDATE_CHECK: "1",
  NO_COLOR: "1",
  // The presets' default storage root: a fresh directory per run, never the repository's
  // ./.tracelet (a test that falls back to the defaults must not see an earlier run's files).
  TRACELET_HOME: mkdtempSync(join(tmpdir(), "tracelet-test-home-")),
};
delete env.FORCE_COLOR;
let activeChild = null;

/** Runs a command, streaming its output when `stream` is set; resolves {code, output}. */
function run(cmd, args, { stream, extraEnv = {} }) {
  return new Promise((done) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    activeChild = child;
    let output = "";
    const onData = (chunk) => {
      output += chunk;
      if (stream) process.stdout.write(chunk);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => {
      output += `\n[test_all] killed after ${STEP_TIMEOUT_MS} ms\n`;
      killGroup(child);
    }, STEP_TIMEOUT_MS);
    child.on("error", (err) => (output += `\n[test_all] cannot start ${cmd}: ${err.message}\n`));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      activeChild = null;
      done({ code: code ?? (signal ? 128 : 1), output });
    });
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

process.on("SIGINT", () => {
  if (activeChild) killGroup(activeChild);
  process.exit(130);
});

function parseArgv(argv) {
  const files = [];
  let only = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--only") only = argv[++i] ?? "";
    else if (arg.startsWith("--only=")) only = arg.slice("--only=".length);
    else files.push(arg);
  }
  return { files, only: only === null ? null : new Set(only.split(",").filter(Boolean)) };
}

async function main() {
  const { files: filters, only } = parseArgv(process.argv.slice(2));
  const wanted = (name) => only === null || only.has(name);
  const files = findTestFiles(ROOT, filters);
  mkdirSync(env.DENO_DIR, { recursive: true });
  const results = [];

  if (wanted("checks")) {
    const checks = { name: "checks", passed: 0, failed: 0, skipped: 0, notes: [] };
    for (const check of STATIC_CHECKS) {
      const args = typeof check.args === "function" ? check.args() : check.args;
      const { code, output } = await run(check.cmd, args, { stream: false });
      console.log(`${code === 0 ? "ok    " : "FAILED"} ${check.name}`);
      if (code === 0) checks.passed++;
      else {
        checks.failed++;
        checks.notes.push(check.name);
        console.log(output.replace(/^/gm, "    "));
      }
    }
    results.push(checks);
  }

  for (const step of [...RUNTIMES, ...EXTRA_STEPS]) {
    if (!wanted(step.name)) continue;
    console.log(`\n===== ${step.name} =====`);
    const args = typeof step.args === "function" ? step.args(files) : step.args;
    const isRuntime = RUNTIMES.includes(step);
    if (isRuntime && files.length === 0) {
      console.log("no test files found");
      results.push({ name: step.name, passed: 0, failed: 1, skipped: 0, notes: ["no test files"] });
      continue;
    }
    const extraEnv = isRuntime ? { TRACELET_TEST_EXPECT_RUNTIME: step.name } : {};
    const { code, output } = await run(step.cmd, args, { stream: true, extraEnv });
    const result = judge(step, code, output, isRuntime);
    if (isRuntime && result.failed > 0) result.failures = failedTestNames(step.name, output);
    results.push(result);
  }

  console.log("\n===== summary =====");
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    for (const key of Object.keys(total)) total[key] += r[key];
    const notes = r.notes.length > 0 ? ` (${r.notes.join("; ")})` : "";
    console.log(`${r.name}: ${formatCounts(r)}${notes}`);
    // The failed tests by name, so a CI log cut to its end still says which ones.
    const failures = r.failures ?? [];
    for (const name of failures.slice(0, MAX_FAILURES_LISTED)) console.log(`  failed: ${name}`);
    if (failures.length > MAX_FAILURES_LISTED) {
      console.log(`  failed: ... and ${failures.length - MAX_FAILURES_LISTED} more (above)`);
    }
  }
  if (results.length === 0) console.log("nothing selected by --only");
  console.log(`skipped in total: ${total.skipped} (tests that need what a runtime lacks)`);
  console.log(`${total.passed} passed, ${total.failed} failed`);
  return total.failed > 0 || results.length === 0 ? 1 : 0;
}

/** Turns a step's exit code and output into counts; crashes and empty runs count as failures. */
function judge(step, code, output, isRuntime) {
  const r = { name: step.name, passed: 0, failed: 0, skipped: 0, notes: [] };
  if (!step.parse) {
    r[code === 0 ? "passed" : "failed"] = 1;
    if (code !== 0) r.notes.push(`exit code ${code}`);
    return r;
  }
  const counts = step.parse(output);
  if (counts) Object.assign(r, counts);
  if (!counts) {
    r.failed += 1;
    r.notes.push(`crashed: no test summary, exit code ${code}`);
  } else if (isRuntime && r.passed + r.failed + r.skipped === 0) {
    r.failed += 1;
    r.notes.push("ran zero tests");
  } else if (code !== 0 && r.failed === 0) {
    r.failed += 1;
    r.notes.push(`exit code ${code} without a failing test`);
  }
  return r;
}

main().then(
  (code) => {
    rmSync(env.TRACELET_HOME, { recursive: true, force: true });
    process.exit(code);
  },
  (err) => {
    console.error(err?.stack ?? err);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
