// A full disk: an append that fails after part of its batch landed is undone, so `appendLines`
// stays all or nothing and the JSONL exporter's "failed" count is what is missing from the log.
// The disk is simulated by file handles over memory that behave as Node, Bun and Deno do on a full
// tmpfs: a short write then ENOSPC (Node, Bun, Deno's own files), or ENOSPC after part of the
// bytes landed with no count (Deno's node:fs).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { JsonlSpanExporter, spanLogPath } from "../../src/exporter/jsonl.ts";
import { type AppendHandle, appendToHandle, type FileSystem } from "../../src/storage/_fs.ts";
import { FsStorage } from "../../src/storage/_fs_storage.ts";
import { makeSpanRecord } from "../_support/span_records.ts";
import { withDiagnostics } from "../_support/otlp_helpers.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

const enospc = (): Error =>
  Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });

/** Files in memory on a disk with `free` bytes left. */
class FullDisk {
  readonly files = new Map<string, Uint8Array>();
  free: number;
  /** "short": a short write, then ENOSPC; "silent": ENOSPC after part of the bytes landed. */
  readonly mode: "short" | "silent";
  /** Runs once, between a write that landed and the next one (another writer). */
  between: ((path: string) => void) | undefined;

  constructor(free: number, mode: "short" | "silent") {
    this.free = free;
    this.mode = mode;
  }

  /** Appends what fits; returns how much did. */
  put(path: string, bytes: Uint8Array): number {
    const old = this.files.get(path) ?? new Uint8Array(0);
    const n = Math.min(this.free, bytes.byteLength);
    const next = new Uint8Array(old.byteLength + n);
    next.set(old);
    next.set(bytes.subarray(0, n), old.byteLength);
    this.files.set(path, next);
    this.free -= n;
    return n;
  }

  text(path: string): string {
    return decoder.decode(this.files.get(path) ?? new Uint8Array(0));
  }

  handle(path: string): AppendHandle {
    const file = () => this.files.get(path) ?? new Uint8Array(0);
    return {
      size: () => Promise.resolve(file().byteLength),
      readAt: (position, length) => Promise.resolve(file().slice(position, position + length)),
      // The interface before the fix, so this test runs against it too.
      byteAt: (position: number) => Promise.resolve(file()[position]),
      write: (bytes) => {
        const n = this.put(path, bytes);
        if (n > 0 && this.between) {
          const other = this.between;
          this.between = undefined;
          other(path);
        }
        if (n === bytes.byteLength) return Promise.resolve(n);
        if (n > 0 && this.mode === "short") return Promise.resolve(n);
        return Promise.reject(enospc());
      },
      truncate: (size) => {
        this.free += file().byteLength - size;
        this.files.set(path, file().slice(0, size));
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    } as AppendHandle;
  }

  /** A {@linkcode FileSystem} with what the line API needs. */
  fileSystem(): FileSystem {
    const unused = () => Promise.reject(new Error("not used by these tests"));
    return {
      resolve: (path) => path,
      appendFile: (path, data) => appendToHandle(this.handle(path), data),
      readFile: (path) => {
        const bytes = this.files.get(path);
        if (bytes !== undefined) return Promise.resolve(bytes.slice());
        return Promise.reject(Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
      },
      mkdirp: () => Promise.resolve(),
      writeFile: unused,
      rename: unused,
      remove: unused,
      readDir: unused,
      mtime: unused,
    };
  }
}

const lines = (tag: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ tag, i, pad: "z".repeat(100) }));

describe("fs storage on a full disk", () => {
  for (const mode of ["short", "silent"] as const) {
    it(`a rejected append leaves none of its lines and no torn line (${mode} write)`, async () => {
      const disk = new FullDisk(2_000, mode);
      const storage = new FsStorage(disk.fileSystem(), "fake-fs", { root: "/r" });
      const log = ["projects", "p", "r", "spans.jsonl"];
      await storage.appendLines(log, lines("a", 5));
      await assert.rejects(storage.appendLines(log, lines("b", 40)), /ENOSPC/);
      assert.deepEqual(await storage.readLines(log), lines("a", 5));
      disk.free = 100_000; // space freed: the next append lands whole, after the earlier lines
      await storage.appendLines(log, lines("c", 3));
      assert.deepEqual(await storage.readLines(log), [...lines("a", 5), ...lines("c", 3)]);
      await storage.close();
    });
  }

  it("a torn last line (a crash) stays as it was when the append after it fails", async () => {
    const disk = new FullDisk(100, "short");
    disk.put("/f", encoder.encode('{"a":1}\n{"torn'));
    await assert.rejects(appendToHandle(disk.handle("/f"), encoder.encode("x".repeat(200))));
    assert.equal(disk.text("/f"), '{"a":1}\n{"torn');
  });

  it("lines another writer appended meanwhile are never cut", async () => {
    const disk = new FullDisk(150, "short");
    disk.between = (path) => {
      disk.free += 6; // another process frees a little space and appends into it
      disk.put(path, encoder.encode("other\n"));
    };
    await assert.rejects(appendToHandle(disk.handle("/f"), encoder.encode("y".repeat(300))));
    assert.equal(disk.text("/f"), "y".repeat(150) + "other\n");
  });

  it("the JSONL exporter counts as failed exactly the spans missing from the log", async () => {
    const disk = new FullDisk(6_000, "short");
    const storage = new FsStorage(disk.fileSystem(), "fake-fs", { root: "/r" });
    const exporter = new JsonlSpanExporter({ storage });
    const span = (i: number) =>
      makeSpanRecord({
        name: `s${i}`,
        attributes: { "dreadnode.run.id": "run-1", pad: "z".repeat(200) },
      });
    const first = await exporter.export([0, 1, 2].map(span));
    assert.deepEqual([first.exported, first.failed], [3, 0]);
    await withDiagnostics(async (diagnostics) => {
      const second = await exporter.export(Array.from({ length: 40 }, (_, i) => span(3 + i)));
      assert.deepEqual([second.exported, second.failed], [0, 40]);
      assert.ok(diagnostics.some((d) => d.code === "jsonl_write_failed"));
    });
    const written = (await storage.readLines(spanLogPath(span(0), "default")))
      .map((line) => JSON.parse(line).name);
    assert.deepEqual(written, ["s0", "s1", "s2"]);
    await storage.close();
  });
});
