#!/usr/bin/env node
// Runs after `npm install` / `npm ci` at the repository root:
// 1. Removes node_modules/.bin/deno. `deno task` runs anything it finds in node_modules/.bin with
//    Deno itself, as JavaScript, so a `.bin/deno` link to the (ELF) Deno binary breaks every task
//    that calls `deno`. Scripts put node_modules/deno (the directory holding the binary) on PATH.
// 2. Installs the OpenTelemetry 3.x benchmark workspace (bench/otel3), whose API peer range
//    conflicts with the 2.x packages at the root.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
rmSync(join(root, "node_modules", ".bin", "deno"), { force: true });
if (existsSync(join(root, "bench", "otel3", "package-lock.json"))) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, [
    "ci",
    "--prefix",
    join(root, "bench", "otel3"),
    "--no-audit",
    "--no-fund",
    "--loglevel=error",
  ], {
    stdio: "inherit",
  });
}
