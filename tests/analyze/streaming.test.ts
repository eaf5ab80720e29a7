// Reading trace files in chunks: lines and multi-byte UTF-8 characters split across chunk
// boundaries are reassembled, a multi-MB file read in small chunks gives the same report as its
// whole text, and a matched file that cannot be read gets its own warning.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeTraceDir, analyzeTraceFiles } from "../../src/analyze/mod.ts";
import type { TraceDirReader } from "../../src/analyze/mod.ts";
import { utf8Lines } from "../../src/analyze/lines.ts";
import { createNodeReader } from "../../src/analyze/cli.ts";
import { hasFileSystem } from "../_support/runtime.ts";

const encoder = new TextEncoder();

async function* chunksOf(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

const event = (i: number) =>
  JSON.stringify({
    event_type: i % 2 === 0 ? "ModelCallStarted" : "ModelCallFinished",
    run_id: `run-${i % 7}`,
    span_id: `s${i}`,
    duration_ms: i % 2 === 0 ? null : i % 100,
    attributes: {
      model: i % 3 === 0 ? "modèle-ü" : "gpt-4o",
      usage: { prompt_tokens: 3, completion_tokens: 2 },
      note: "日本語 😀 ".repeat(i % 5),
    },
  });

describe("utf8Lines", () => {
  it("reassembles lines and multi-byte characters split at every possible boundary", async () => {
    const text = 'é😀\n{"a":"日本"}\r\n\n' + "x".repeat(40) + "\nlast 😀 without newline";
    const bytes = encoder.encode(text);
    for (let size = 1; size <= 9; size++) {
      assert.deepEqual(
        await collect(utf8Lines(chunksOf(bytes, size))),
        text.split("\n"),
        `${size}`,
      );
    }
    assert.deepEqual(await collect(utf8Lines(chunksOf(encoder.encode("a\nb\n"), 1))), ["a", "b"]);
    assert.deepEqual(await collect(utf8Lines(chunksOf(new Uint8Array(0), 1))), []);
    // A character cut off at the end of the file is replaced, not dropped silently.
    assert.deepEqual(await collect(utf8Lines(chunksOf(bytes.slice(0, 3), 1))), ["é\uFFFD"]);
  });
});

describe("analyzeTraceDir reads files in chunks", { skip: !hasFileSystem }, () => {
  it("a multi-MB file read in 4093-byte chunks gives the whole-text report", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tracelet-analyze-"));
    try {
      const lines: string[] = [];
      let size = 0;
      for (let i = 0; size < 3_000_000; i++) {
        const line = i % 1000 === 999 ? "not json" : event(i);
        lines.push(line);
        size += encoder.encode(line).length + 1;
      }
      const text = lines.join("\n") + "\n";
      await writeFile(join(dir, "run_big.jsonl"), text);
      const base = createNodeReader(4093);
      let chunks = 0;
      let largest = 0;
      const reader: TraceDirReader = {
        listFiles: (d) => base.listFiles(d),
        async *readChunks(path) {
          for await (const chunk of base.readChunks!(path)) {
            chunks++;
            largest = Math.max(largest, chunk.length);
            yield chunk;
          }
        },
      };
      const report = await analyzeTraceDir({ traceDir: dir, reader });
      assert.ok(chunks > 700, `${chunks} chunks`);
      assert.equal(largest, 4093);
      const whole = analyzeTraceFiles([{ name: "run_big.jsonl", text }], { traceDir: dir });
      assert.deepEqual(report, whole);
      assert.equal(report.events.total, lines.length - report.events.malformed_lines);
      assert.ok(report.events.malformed_lines > 0);
      assert.ok(report.models.per_model.some((m) => m.model === "modèle-ü"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("analyzeTraceDir warnings per file", () => {
  const listing = (names: string[]) => ({ listFiles: () => Promise.resolve(names) });

  it("warns about a matched file that cannot be read, not that nothing matched", async () => {
    const report = await analyzeTraceDir({
      traceDir: "d",
      reader: {
        ...listing(["run_a.jsonl", "run_b.jsonl", "other.txt"]),
        async *readChunks(path) {
          if (path === "d/run_a.jsonl") throw new Error("permission denied");
          yield encoder.encode(`${event(1)}\n`);
          throw new Error("device lost");
        },
      },
    });
    assert.deepEqual(report.warnings, [
      "Cannot read run_a.jsonl: permission denied",
      "Cannot read run_b.jsonl: device lost (its first 1 line(s) were counted)",
    ]);
    assert.equal(report.inputs.files_scanned, 0);
    assert.equal(report.events.total, 1);
  });

  it("says no file matched only when none did, and reads readText-only readers", async () => {
    const none = await analyzeTraceDir({
      traceDir: "d",
      reader: { ...listing(["notes.txt"]), readText: () => Promise.resolve("") },
    });
    assert.deepEqual(none.warnings, ["No trace files matched run_*.jsonl"]);
    const text = await analyzeTraceDir({
      traceDir: "d/",
      reader: { ...listing(["run_1.jsonl"]), readText: () => Promise.resolve(event(2)) },
    });
    assert.deepEqual(text.warnings, []);
    assert.equal(text.events.total, 1);
    const neither = await analyzeTraceDir({ traceDir: "d", reader: listing(["run_1.jsonl"]) });
    assert.deepEqual(neither.warnings, [
      "Cannot read run_1.jsonl: the reader has neither readChunks nor readText",
    ]);
  });
});
