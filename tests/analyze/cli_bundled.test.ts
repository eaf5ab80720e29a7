// An application that imports the CLI's `main` (`@tracelet/tracelet/cli`, as the README shows) and
// is bundled (esbuild, Rollup) must not run the CLI: its "am I the program" check compared the
// module's URL with the script run, both the bundle's, so the CLI parsed the application's
// arguments and exited 2 before the application ran. Its top-level await also kept `require()`
// and CommonJS bundles from loading it.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { hasFileSystem, isWorkerd } from "../_support/runtime.ts";

const ROOT = hasFileSystem ? fileURLToPath(new URL("../../", import.meta.url)) : "";

const APP = `import { main } from "./src/analyze/cli.ts";
console.log("app ran", typeof main, process.argv.slice(2).join(" "));
`;

/** Bundles the application in `format` (esbuild's CLI) and runs the bundle with `--port 8080`. */
function bundleAndRun(format: "esm" | "cjs") {
  const dir = mkdtempSync(join(tmpdir(), "tracelet-cli-bundle-"));
  try {
    const file = join(dir, format === "esm" ? "app.mjs" : "app.cjs");
    const esbuild = join(ROOT, "node_modules", ".bin", "esbuild");
    const flags = ["--bundle", "--platform=node", `--format=${format}`, "--loader=ts"];
    const built = spawnSync(esbuild, [...flags, `--outfile=${file}`, "--log-level=error"], {
      cwd: ROOT,
      input: APP,
      encoding: "utf8",
    });
    assert.equal(built.status, 0, built.stderr);
    return spawnSync("node", [file, "--port", "8080"], { encoding: "utf8", timeout: 60_000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe(
  "the analysis CLI bundled into an application",
  { skip: isWorkerd || !hasFileSystem },
  () => {
    it("does not run in its place (ES module bundle)", () => {
      const run = bundleAndRun("esm");
      assert.equal(run.stderr, "");
      assert.equal(run.stdout, "app ran function --port 8080\n");
      assert.equal(run.status, 0);
    });

    it("bundles and loads as CommonJS (no top-level await)", () => {
      const run = bundleAndRun("cjs");
      assert.equal(run.stdout, "app ran function --port 8080\n", run.stderr);
      assert.equal(run.status, 0);
    });
  },
);
