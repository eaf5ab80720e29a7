#!/usr/bin/env node
// Runs the node:test suite inside workerd (the Cloudflare Workers runtime) through Miniflare.
//
//   node scripts/test_workerd.mjs                      # every tests/**/*.test.ts
//   node scripts/test_workerd.mjs tests/foo.test.ts    # only the given files or directories
//
// How it works: a generated entry imports every test file lazily (inside the fetch handler,
// so module-level code may use crypto, timers and fetch, which workerd forbids at global
// scope), esbuild bundles it with `node:test` aliased to scripts/workerd_node_test_shim.mjs,
// Miniflare runs the bundle with `nodejs_compat` (which provides node:assert and friends),
// and one dispatchFetch runs all tests sequentially and returns JSON results.
//
// Bindings for tests: the worker's `env` is published as `globalThis.__TRACELET_TEST_ENV__`
// before any test file is imported. Today it holds an R2 bucket `TEST_BUCKET`, a KV namespace
// `TEST_KV`, a Durable Object namespace `TEST_DO` (class TraceletDurableObject; all
// in-memory, fresh each run), and every `TRACELET_TEST_*` environment variable
// of this process as a plain string binding (e.g. `TRACELET_TEST_COLLECTOR=http://127.0.0.1:PORT`
// for a loopback receiver started by the caller). Under nodejs_compat string bindings also
// appear in `process.env`. To add more, edit MINIFLARE_OPTIONS below; for a Durable Object,
// add its class's module to ENTRY_EXPORTS (its exports are re-exported from the worker entry)
// and `durableObjects: { TEST_DO: "ClassName" }` to MINIFLARE_OPTIONS.

import { SourceMap } from "node:module";
import { resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { findTestFiles, formatCounts } from "./_summary.mjs";
import { WORKER_BUILD } from "./worker_build.mjs";

const ROOT = resolve(fileURLToPath(import.meta.url), "../..");
const SHIM = resolve(ROOT, "scripts/workerd_node_test_shim.mjs");

/** Per-test timeout inside workerd; a hung test fails instead of hanging the run. */
const TEST_TIMEOUT_MS = Number(process.env.TRACELET_TEST_TIMEOUT_MS ?? 20_000);
/** Hard limit for the whole workerd run. */
const RUN_TIMEOUT_MS = 10 * 60_000;
/** Repo-relative modules whose exports the worker entry re-exports (Durable Object classes). */
const ENTRY_EXPORTS = ["src/storage/_durable_object_server.ts"]; // TraceletDurableObject (TEST_DO)

/** Plain string bindings: every TRACELET_TEST_* variable, plus the expected runtime name. */
function stringBindings() {
  const bindings = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("TRACELET_TEST_") && value !== undefined) bindings[key] = value;
  }
  bindings.TRACELET_TEST_EXPECT_RUNTIME = "workerd";
  return bindings;
}

/** Miniflare options (besides the script). See node_modules/miniflare/README.md. */
const MINIFLARE_OPTIONS = {
  modules: true,
  compatibilityDate: "2026-04-01", // miniflare 4.20260426.0 accepts dates up to 2026-05-03
  compatibilityFlags: ["nodejs_compat"],
  r2Buckets: ["TEST_BUCKET"],
  kvNamespaces: ["TEST_KV"],
  durableObjects: { TEST_DO: "TraceletDurableObject" },
  bindings: stringBindings(),
};

function entrySource(files) {
  const lines = [`import { collectFile, runAll } from ${JSON.stringify(SHIM)};`];
  for (const mod of ENTRY_EXPORTS) {
    lines.push(`export * from ${JSON.stringify(resolve(ROOT, mod))};`);
  }
  lines.push("const files = [");
  for (const f of files) {
    lines.push(`  [${JSON.stringify(f)}, () => import(${JSON.stringify(resolve(ROOT, f))})],`);
  }
  lines.push(
    "];",
    "export default {",
    "  async fetch(_request, env, ctx) {",
    "    globalThis.__TRACELET_TEST_ENV__ = env;",
    "    globalThis.__TRACELET_TEST_CTX__ = ctx;",
    "    for (const [name, load] of files) await collectFile(name, load);",
    `    return Response.json(await runAll({ timeoutMs: ${TEST_TIMEOUT_MS} }));`,
    "  },",
    "};",
  );
  return lines.join("\n");
}

async function bundle(files) {
  const result = await esbuild.build({
    stdin: { contents: entrySource(files), resolveDir: ROOT, sourcefile: "workerd_entry.js" },
    ...WORKER_BUILD,
    write: false,
    outfile: "worker.js",
    alias: { "node:test": SHIM },
    external: ["node:*", "cloudflare:*"],
    sourcemap: "external",
  });
  const text = (suffix) => result.outputFiles.find((f) => f.path.endsWith(suffix)).text;
  return { script: text("worker.js"), map: new SourceMap(JSON.parse(text("worker.js.map"))) };
}

/** Rewrites `script-0:LINE:COL` stack positions to the original source files. */
function mapStack(text, map) {
  const harnessFrame = /^\s*at .*(workerd_node_test_shim\.mjs|workerd_entry\.js)/;
  const lines = text.split("\n").filter((line) => !harnessFrame.test(mapLine(line, map)));
  return lines.map((line) => mapLine(line, map)).join("\n");
}

function mapLine(text, map) {
  return text.replace(/\bscript-\d+:(\d+):(\d+)/g, (whole, line, col) => {
    const entry = map.findEntry(Number(line) - 1, Number(col) - 1);
    if (!entry?.originalSource) return whole;
    const source = entry.originalSource.replace(/^.*?(?=(src|tests|scripts)\/)/, "");
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

async function runInWorkerd(script) {
  const mf = new Miniflare({ ...MINIFLARE_OPTIONS, script });
  let timer;
  try {
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Cannot finish workerd run: exceeded ${RUN_TIMEOUT_MS} ms`)),
        RUN_TIMEOUT_MS,
      );
    });
    const response = await Promise.race([mf.dispatchFetch("http://tracelet.test/"), timeout]);
    const body = await response.text();
    if (!response.ok) {
      throw new Error(`Cannot run tests: worker answered ${response.status}\n${body}`);
    }
    return JSON.parse(body);
  } finally {
    clearTimeout(timer);
    await mf.dispose();
  }
}

async function main() {
  const files = findTestFiles(ROOT, process.argv.slice(2));
  if (files.length === 0) {
    console.log("workerd: no test files found");
    console.log(formatCounts({ passed: 0, failed: 0, skipped: 0 }).replace(/^/, "workerd: "));
    return 1;
  }
  console.log(`workerd: bundling ${files.length} test file(s)`);
  const { script, map } = await bundle(files);
  const result = await runInWorkerd(script);
  for (const { name, error } of result.failures) {
    console.log(`\nFAIL ${name}\n${mapStack(error, map).replace(/^/gm, "    ")}`);
  }
  if (result.failures.length > 0) console.log("");
  console.log(`workerd: ${formatCounts(result)}`);
  return result.failed > 0 || result.passed + result.skipped === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`workerd: ${err?.stack ?? err}`);
    console.log("workerd: 0 passed, 1 failed, 0 skipped");
    process.exit(1);
  },
);
