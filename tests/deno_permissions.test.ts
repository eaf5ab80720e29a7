// What a Deno program run with too few permissions gets: a prompt failure, reported once with the
// missing flag, never a long retry or a silent loss. Each case spawns `deno run --no-prompt` with
// restricted permissions (Deno only).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type ChildResult, repoRoot, runChild } from "./_support/child_module.ts";
import { withTempDir } from "./_support/files.ts";
import { isDeno } from "./_support/runtime.ts";

/** Runs `source` (a module importing `PRESET`) in `dir` with `flags`; killed after 20 s. */
async function runDeno(
  dir: string,
  source: string,
  flags: string[],
  env: Record<string, string> = {},
): Promise<ChildResult> {
  const preset = pathToFileURL(join(repoRoot(), "src/runtime/deno.ts")).href;
  const script = join(dir, "main.ts");
  await writeFile(script, source.replaceAll("PRESET", preset));
  // The storage root in `dir` (`.tracelet`, which the flags grant), whatever the test run set.
  return runChild(["run", "--no-prompt", ...flags, script], {
    cwd: dir,
    env: { TRACELET_HOME: join(dir, ".tracelet"), ...env },
  });
}

const count = (text: string, needle: string): number => text.split(needle).length - 1;

describe("a Deno program with missing permissions", { skip: !isDeno }, () => {
  it("without --allow-net, fails the OTLP export at once and names the flag", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      const out = await runDeno(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p", local: false, otlp: { endpoint: "http://127.0.0.1:59999/v1/traces" } });
await getTracer().withSpan("work", () => 1);
await tracing.shutdown();`,
        ["--allow-env", "--allow-read=.tracelet", "--allow-write=.tracelet"],
      );
      assert.equal(out.code, 0, out.stderr);
      // Kept in the outbox (a later run may have the permission), and said so once.
      assert.equal(count(out.stderr, "export_parked"), 1, out.stderr);
      assert.match(out.stderr, /--allow-net/);
      // Retried as a network outage, it took 6 to 13 s.
      assert.ok(out.millis < 5_000, `took ${out.millis} ms`);
    });
  });

  it("without read/write on .tracelet, reports the missing permission once, not per batch", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      const out = await runDeno(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p" });
for (let i = 0; i < 3; i++) {
  await getTracer().withSpan("work", () => 1);
  await tracing.forceFlush();
}
await tracing.shutdown();`,
        ["--allow-env"],
      );
      assert.equal(count(out.stderr, "jsonl_write_failed"), 1, out.stderr);
      assert.match(out.stderr, /NotCapable: Requires read access .*--allow-read/);
    });
  });

  it("without --allow-env, says the OTEL_*/TRACELET_* variables are ignored, once", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      const out = await runDeno(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p", local: false });
await getTracer().withSpan("work", () => 1);
await tracing.shutdown();`,
        // Some flag is needed: spawned through node:child_process with no env flag at all, Deno
        // grants the child --allow-env.
        ["--deny-env=TRACELET_UNUSED"],
        { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:59999" },
      );
      assert.equal(out.code, 0, out.stderr);
      assert.equal(count(out.stderr, "env_denied"), 1, out.stderr);
      assert.match(out.stderr, /--allow-env/);
    });
  });

  it("takes a grant of the default port for an endpoint URL without one", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      const out = await runDeno(
        dir,
        `import { configure, getTracer } from "PRESET";
const tracing = configure({ project: "p", local: false, otlp: { endpoint: "http://127.0.0.1/v1/traces", timeoutMillis: 500 } });
await getTracer().withSpan("work", () => 1);
await tracing.shutdown();`,
        [
          "--allow-env",
          "--allow-net=127.0.0.1:80",
          "--allow-read=.tracelet",
          "--allow-write=.tracelet",
        ],
      );
      assert.equal(out.code, 0, out.stderr);
      // Nothing listens on port 80 here: the export fails on the network, not on the permission.
      assert.doesNotMatch(out.stderr, /Requires net access|--allow-net/, out.stderr);
      assert.match(out.stderr, /export_parked: .*network/, out.stderr);
    });
  });

  it("calls a fetch of your own without asking Deno for the endpoint's host", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      const out = await runDeno(
        dir,
        `import { configure, getTracer } from "PRESET";
let calls = 0;
const fetch = async () => { calls++; return new Response(null, { status: 200 }); };
const tracing = configure({ project: "p", local: false, otlp: { endpoint: "http://collector.invalid:4318/v1/traces", fetch } });
await getTracer().withSpan("work", () => 1);
const report = await tracing.shutdown();
console.error("calls", calls, "exported", report.exported);`,
        ["--allow-env", "--allow-read=.tracelet", "--allow-write=.tracelet"],
      );
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stderr, /calls 1 exported 1/, out.stderr);
    });
  });

  it("reports an existing file it may not read as unreadable, not as missing", async () => {
    await withTempDir("tracelet-perm-", async (dir) => {
      await writeFile(join(dir, "secret.txt"), "x");
      const out = await runDeno(
        dir,
        `import { configure, logArtifact, run } from "PRESET";
const tracing = configure({ project: "p" });
await run("exp", {}, async () => { await logArtifact("secret.txt"); });
await tracing.shutdown();`,
        ["--allow-env", "--allow-read=.tracelet", "--allow-write=.tracelet"],
      );
      assert.equal(out.code, 0, out.stderr);
      assert.doesNotMatch(out.stderr, /artifact_not_found/);
      assert.match(out.stderr, /artifact_unreadable: .*secret\.txt cannot be read: NotCapable/);
    });
  });
});
