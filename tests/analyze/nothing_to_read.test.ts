// The analysis CLI says when it has nothing to read: a --trace-dir that does not exist or is a
// file exits 2 naming it (it printed an empty report and exited 0), and a directory where no file
// matches the glob still prints the empty report and exits 0 (as design_research_agents does) but
// says so in one line on stderr, suggesting --glob '*.jsonl' when the default run_*.jsonl missed a
// run directory's spans.jsonl (a user trial read 0 files of .tracelet/projects/<p>/<run>).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { noMatchNotice } from "../../src/analyze/_no_match.ts";
import { withTempDir } from "../_support/files.ts";
import { hasFileSystem } from "../_support/runtime.ts";
import { runCli } from "./_run_cli.ts";

const SPAN = JSON.stringify({
  span_id: "a".repeat(16),
  trace_id: "b".repeat(32),
  parent_id: null,
  start_time: "2026-01-01T00:00:00Z",
  end_time: "2026-01-01T00:00:01Z",
  status: "OK",
  attributes: { "dreadnode.type": "task" },
});

describe("analysis CLI with nothing to read", { skip: !hasFileSystem }, () => {
  it("exits 2 naming a --trace-dir that does not exist, printing no report", () =>
    withTempDir("tracelet-analyze-none-", (dir) => {
      const missing = join(dir, "does", "not", "exist");
      for (const args of [["--trace-dir", missing], ["--trace-dir", missing, "--json"]]) {
        const run = runCli(args);
        assert.equal(run.status, 2, run.stderr);
        assert.equal(run.stdout, "");
        assert.ok(run.stderr.includes(`no such directory: '${missing}'`), run.stderr);
        assert.match(run.stderr, /^usage: tracelet \[-h\] --trace-dir TRACE_DIR/);
        assert.match(run.stderr, /\ntracelet: error: argument --trace-dir: /);
      }
      return Promise.resolve();
    }));

  it("exits 2 for a --trace-dir that is a file", () =>
    withTempDir("tracelet-analyze-none-", async (dir) => {
      const file = join(dir, "spans.jsonl");
      await writeFile(file, `${SPAN}\n`);
      const run = runCli(["--trace-dir", file]);
      assert.equal(run.status, 2, run.stderr);
      assert.equal(run.stdout, "");
      assert.ok(run.stderr.includes(`not a directory: '${file}'`), run.stderr);
    }));

  it("prints the empty report, exits 0 and hints --glob '*.jsonl' on stderr when run_*.jsonl misses spans.jsonl", () =>
    withTempDir("tracelet-analyze-none-", async (dir) => {
      await writeFile(join(dir, "spans.jsonl"), `${SPAN}\n`);
      const expected = `tracelet: warning: no file matched 'run_*.jsonl' in '${dir}'; ` +
        `1 other .jsonl file is there (spans.jsonl): try --glob '*.jsonl'\n`;
      const text = runCli(["--trace-dir", dir]);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /\(glob run_\*\.jsonl\): 0 file\(s\)/);
      assert.equal(text.stderr, expected);
      const json = runCli(["--trace-dir", dir, "--json"]);
      assert.equal(json.status, 0, json.stderr);
      assert.equal(json.stderr, expected);
      const report = JSON.parse(json.stdout); // stdout is the JSON report alone
      assert.equal(report.inputs.files_scanned, 0);
      assert.deepEqual(report.warnings, ["No trace files matched run_*.jsonl"]);
      // The suggested glob reads it, and says nothing on stderr.
      const fixed = runCli(["--trace-dir", dir, "--glob", "*.jsonl", "--json"]);
      assert.equal(fixed.status, 0, fixed.stderr);
      assert.equal(fixed.stderr, "");
      assert.equal(JSON.parse(fixed.stdout).spans.span_count, 1);
    }));

  it("names an explicit glob that matched nothing, without the hint", () =>
    withTempDir("tracelet-analyze-none-", async (dir) => {
      await writeFile(join(dir, "spans.jsonl"), `${SPAN}\n`);
      const run = runCli(["--trace-dir", dir, "--glob", "x_*.jsonl", "--json"]);
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stderr, `tracelet: warning: no file matched 'x_*.jsonl' in '${dir}'\n`);
      assert.equal(JSON.parse(run.stdout).inputs.glob, "x_*.jsonl");
    }));
});

describe("noMatchNotice", () => {
  it("hints --glob '*.jsonl' for the default glob only, naming at most three top-level files", () => {
    const names = ["a.jsonl", "b.jsonl", "c.jsonl", "d.jsonl", "notes.txt", "sub/run_1.jsonl"];
    assert.equal(
      noMatchNotice({ traceDir: "d", glob: "run_*.jsonl", defaultGlob: true, names }),
      "tracelet: warning: no file matched 'run_*.jsonl' in 'd'; 4 other .jsonl files are there " +
        "(a.jsonl, b.jsonl, c.jsonl, ...): try --glob '*.jsonl'",
    );
    assert.equal(
      noMatchNotice({ traceDir: "d", glob: "run_*.jsonl", defaultGlob: false, names }),
      "tracelet: warning: no file matched 'run_*.jsonl' in 'd'",
    );
    assert.equal(
      noMatchNotice({ traceDir: "d", glob: "run_*.jsonl", defaultGlob: true, names: ["x.txt"] }),
      "tracelet: warning: no file matched 'run_*.jsonl' in 'd'",
    );
  });

  it("says why the directory could not be listed, on one line", () => {
    const notice = noMatchNotice({
      traceDir: "evil\n\u001b[2Jdir",
      glob: "run_*.jsonl",
      defaultGlob: true,
      listError: new Error("EACCES: permission denied"),
    });
    assert.equal(
      notice,
      "tracelet: warning: cannot list 'evil\\u000a\\u001b[2Jdir': EACCES: permission denied; " +
        "no file was read",
    );
  });
});
